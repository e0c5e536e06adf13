import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Subject } from 'rxjs';
import { AgentError } from '../../../src/errors/agent-error';
import type { OcctlEventStream } from '../../../src/occtl/occtl-event.stream';
import type { OcctlEvent, OcctlStatus, OcctlUser } from '../../../src/occtl/occtl-records';
import type { OcctlService } from '../../../src/occtl/occtl.service';
import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import { ConnectsInFlight } from '../../../src/session/connects-in-flight';
import { CONNECT_CONFIRM_DELAYS_MS, HOOK_DECISION_GRACE_MS, OcservSessionSync } from '../../../src/session/ocserv-session-sync.service';
import { OcservSyncMetrics } from '../../../src/session/ocserv-sync-metrics';
import { SessionStore } from '../../../src/session/session-store.service';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { FakeClock } from '../builders/fake-clock';
import { anOcctlEvent, anOcctlStatus, anOcctlUser } from '../builders/occtl-user.builder';
import { aNewVpnSession } from '../builders/vpn-session.builder';

/** occtl as the sync sees it: a snapshot the test sets, or ocserv being down. */
class FakeOcctl {
  readonly socketFile = '/run/occtl.socket';
  users: OcctlUser[] = [];
  status: OcctlStatus = anOcctlStatus();
  down = false;
  byId = new Map<number, OcctlUser>();

  showStatus(): Promise<OcctlStatus> {
    return this.down ? Promise.reject(AgentError.unavailable('ocserv is not answering')) : Promise.resolve(this.status);
  }

  showUsers(): Promise<OcctlUser[]> {
    return this.down ? Promise.reject(AgentError.unavailable('ocserv is not answering')) : Promise.resolve(this.users);
  }

  showId(id: number): Promise<OcctlUser | undefined> {
    return this.down ? Promise.reject(AgentError.unavailable('ocserv is not answering')) : Promise.resolve(this.byId.get(id));
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe(OcservSessionSync.name, () => {
  let clock: FakeClock;
  let store: SessionStore;
  let occtl: FakeOcctl;
  let events: Subject<OcctlEvent>;
  let started: Subject<void>;
  let sut: OcservSessionSync;
  let metrics: OcservSyncMetrics;
  let connects: ConnectsInFlight;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    clock = new FakeClock();
    // The hook socket off: a connect event asks `show id` at once (the hook case is below).
    const config = configServiceFor(anAgentConfig({ session: { max_sessions: 100 }, ipc: { enabled: false } }));
    metrics = new OcservSyncMetrics(new MetricsRegistry());
    store = new SessionStore(clock, config);
    occtl = new FakeOcctl();
    connects = new ConnectsInFlight();
    events = new Subject();
    started = new Subject();
    const stream = { events$: events.asObservable(), started$: started.asObservable(), interrupted$: new Subject<string>(), resumeNow: () => undefined } as unknown as OcctlEventStream;
    sut = new OcservSessionSync(store, occtl as unknown as OcctlService, stream, new SchedulerRegistry(), metrics, clock, config, connects);
  });

  afterEach(() => sut.onApplicationShutdown());

  it('adds the sessions ocserv has, keyed by worker id, with its data', async () => {
    occtl.users = [anOcctlUser({ id: 11, username: 'alice', groupname: 'devs', rxBytes: 5, txBytes: 7 })];
    const report = await sut.reconcile();
    expect(report).toMatchObject({ added: 1, removed: 0 });
    expect(store.get('11')).toMatchObject({
      username: 'alice',
      clientIp: '198.51.100.7',
      vpnIp: '192.168.99.50',
      deviceId: 'vpns0',
      bytesIn: 5,
      bytesOut: 7,
      metadata: expect.objectContaining({ group: 'devs', user_agent: 'Open AnyConnect VPN Agent v9.01-3', source: 'ocserv' }),
    });
  });

  it('refreshes byte counters of known sessions and keeps their connect time', async () => {
    occtl.users = [anOcctlUser({ id: 11, rxBytes: 1 })];
    await sut.reconcile();
    const connectedAt = store.get('11')?.connectedAtMs;
    clock.advanceSeconds(30);
    occtl.users = [anOcctlUser({ id: 11, rxBytes: 999, connectedAtMs: clock.nowMs() })];
    expect(await sut.reconcile()).toMatchObject({ added: 0, updated: 1 });
    expect(store.get('11')).toMatchObject({ bytesIn: 999, connectedAtMs: connectedAt });
  });

  it('removes sessions ocserv no longer has', async () => {
    occtl.users = [anOcctlUser({ id: 11 }), anOcctlUser({ id: 12, username: 'bob' })];
    await sut.reconcile();
    clock.advanceSeconds(30);
    occtl.users = [anOcctlUser({ id: 11 })];
    expect(await sut.reconcile()).toMatchObject({ removed: 1 });
    expect(store.get('12')).toBeUndefined();
  });

  it('keeps a session confirmed moments ago even if the snapshot lacks it', async () => {
    store.add(aNewVpnSession({ sessionId: '77', username: 'carol' }));
    clock.advanceMs(1000);
    expect(await sut.reconcile()).toMatchObject({ removed: 0 });
    expect(store.get('77')).toBeDefined();
  });

  it('drops every session the snapshot lacks when ocserv is back from an outage, however recent', async () => {
    occtl.users = [anOcctlUser({ id: 11 })];
    await sut.reconcile();
    occtl.down = true;
    clock.advanceMs(1000);
    await expect(sut.reconcile()).rejects.toBeDefined();
    occtl.down = false;
    occtl.users = [anOcctlUser({ id: 12, username: 'bob' })];
    clock.advanceMs(1000);
    expect(await sut.reconcile()).toMatchObject({ added: 1, removed: 1 });
    expect(store.get('11')).toBeUndefined();
  });

  it('leaves the store untouched while ocserv is down, and says so', async () => {
    occtl.users = [anOcctlUser({ id: 11 })];
    await sut.reconcile();
    occtl.down = true;
    clock.advanceSeconds(60);
    await expect(sut.reconcile()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(store.get('11')).toBeDefined();
    expect(sut.syncState).toMatchObject({ reachable: false, lastError: 'ocserv is not answering' });
  });

  it('treats an ocserv that reports "offline" (stopping) as unreachable and keeps the store', async () => {
    occtl.users = [anOcctlUser({ id: 11 })];
    await sut.reconcile();
    clock.advanceSeconds(30);
    occtl.status = { ...anOcctlStatus(), status: 'offline', serverPid: undefined, upSinceMs: undefined };
    occtl.users = [];
    await expect(sut.reconcile()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(store.get('11')).toBeDefined();
    expect(sut.syncState.reachable).toBe(false);
  });

  it('does not take a status without the server PID for a restart', async () => {
    await sut.reconcile();
    occtl.status = anOcctlStatus({ serverPid: undefined });
    expect((await sut.reconcile()).ocservRestarted).toBe(false);
    occtl.status = anOcctlStatus();
    expect((await sut.reconcile()).ocservRestarted).toBe(false);
  });

  it('notices an ocserv restart and replaces a worker id reused by another user', async () => {
    occtl.users = [anOcctlUser({ id: 11, username: 'alice' })];
    await sut.reconcile();
    clock.advanceSeconds(30);
    occtl.status = anOcctlStatus({ serverPid: 2000 });
    occtl.users = [anOcctlUser({ id: 11, username: 'bob' })];
    const report = await sut.reconcile();
    expect(report.ocservRestarted).toBe(true);
    expect(store.get('11')?.username).toBe('bob');
  });

  it('skips sessions that are not connected yet', async () => {
    occtl.users = [anOcctlUser({ id: 11, state: 'pre-auth' })];
    expect(await sut.reconcile()).toMatchObject({ added: 0 });
  });

  it('shares one reconciliation between concurrent callers', async () => {
    const first = sut.reconcile();
    expect(sut.reconcile()).toBe(first);
    await first;
  });

  describe('whenCurrent', () => {
    it('answers at once while the last reconciliation reached ocserv', async () => {
      await sut.reconcile();
      occtl.down = true;
      await expect(sut.whenCurrent()).resolves.toBeUndefined();
    });

    it('reconciles now when ocserv was unreachable, and serves once it answers again', async () => {
      occtl.down = true;
      await expect(sut.reconcile()).rejects.toBeDefined();
      occtl.down = false;
      occtl.users = [anOcctlUser({ id: 51 })];
      await sut.whenCurrent();
      expect(store.get('51')).toBeDefined();
    });

    it('is UNAVAILABLE while ocserv still does not answer', async () => {
      occtl.down = true;
      await expect(sut.whenCurrent()).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        message: 'cannot list sessions: ocserv is not answering',
      });
    });

    it('never asks ocserv when session syncing is off', async () => {
      const config = configServiceFor(anAgentConfig({ ocserv: { sync_sessions: false } }));
      const stream = { events$: events.asObservable(), started$: started.asObservable(), interrupted$: new Subject<string>(), resumeNow: () => undefined } as unknown as OcctlEventStream;
      const off = new OcservSessionSync(store, occtl as unknown as OcctlService, stream, new SchedulerRegistry(), metrics, clock, config, connects);
      occtl.down = true;
      await expect(off.whenCurrent()).resolves.toBeUndefined();
    });
  });

  describe('sameOcservAnswers', () => {
    it('answers true while the instance it last reached is online', async () => {
      await sut.reconcile();

      await expect(sut.sameOcservAnswers()).resolves.toBe(true);
    });

    it('answers false when occtl fails', async () => {
      await sut.reconcile();
      occtl.down = true;

      await expect(sut.sameOcservAnswers()).resolves.toBe(false);
    });

    it('answers false when ocserv reports itself stopping', async () => {
      await sut.reconcile();
      occtl.status = anOcctlStatus({ status: 'offline' });

      await expect(sut.sameOcservAnswers()).resolves.toBe(false);
    });

    it('answers false when another instance answers', async () => {
      await sut.reconcile();
      occtl.status = anOcctlStatus({ serverPid: 2000 });

      await expect(sut.sameOcservAnswers()).resolves.toBe(false);
    });

    it('answers true without asking ocserv when session syncing is off: the agent does not follow ocserv then', async () => {
      const config = configServiceFor(anAgentConfig({ ocserv: { sync_sessions: false } }));
      const stream = { events$: events.asObservable(), started$: started.asObservable(), interrupted$: new Subject<string>(), resumeNow: () => undefined } as unknown as OcctlEventStream;
      const off = new OcservSessionSync(store, occtl as unknown as OcctlService, stream, new SchedulerRegistry(), metrics, clock, config, connects);
      occtl.down = true;
      const asked = jest.spyOn(occtl, 'showStatus');

      await expect(off.sameOcservAnswers()).resolves.toBe(true);
      expect(asked).not.toHaveBeenCalled();
    });
  });

  describe('events with the hook socket on', () => {
    let hooked: OcservSessionSync;
    const carol = { sessionId: '41', username: 'carol', clientIp: '198.51.100.1', vpnIp: '', deviceId: '', connectedAtMs: 0, bytesIn: 0, bytesOut: 0, metadata: {} };

    beforeEach(() => {
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      const config = configServiceFor(anAgentConfig({ session: { max_sessions: 100 }, ipc: { enabled: true } }));
      const stream = { events$: events.asObservable(), started$: started.asObservable(), interrupted$: new Subject<string>(), resumeNow: () => undefined } as unknown as OcctlEventStream;
      hooked = new OcservSessionSync(store, occtl as unknown as OcctlService, stream, new SchedulerRegistry(), metrics, clock, config, connects);
      hooked.onApplicationBootstrap();
    });

    afterEach(() => {
      hooked.onApplicationShutdown();
      jest.useRealTimers();
    });

    it('waits for the hook decision that starts after the connect event instead of asking show id', async () => {
      const showId = jest.spyOn(occtl, 'showId');
      events.next(anOcctlEvent({ id: 41, username: 'carol' }));
      await flush();

      jest.advanceTimersByTime(HOOK_DECISION_GRACE_MS / 2);
      await connects.track('41', 'carol', async () => store.add(carol));
      await flush();

      expect(showId).not.toHaveBeenCalled();
      expect(store.get('41')?.username).toBe('carol');
    });

    it(`asks show id when no hook decision starts within ${HOOK_DECISION_GRACE_MS} ms`, async () => {
      const showId = jest.spyOn(occtl, 'showId');
      occtl.byId.set(42, anOcctlUser({ id: 42, username: 'dave', groupname: 'ops' }));
      events.next(anOcctlEvent({ id: 42, username: 'dave' }));
      await flush();
      jest.advanceTimersByTime(HOOK_DECISION_GRACE_MS - 1);
      await flush();
      expect(showId).not.toHaveBeenCalled();

      jest.advanceTimersByTime(1);
      await flush();

      expect(showId).toHaveBeenCalledWith(42);
      expect(store.get('42')?.metadata.group).toBe('ops');
    });
  });

  describe('events', () => {
    beforeEach(() => sut.onApplicationBootstrap());

    it('adds a connecting session with what show id reports', async () => {
      occtl.byId.set(21, anOcctlUser({ id: 21, username: 'dave', groupname: 'ops' }));
      events.next(anOcctlEvent({ id: 21, username: 'dave' }));
      await flush();
      expect(store.get('21')?.metadata.group).toBe('ops');
    });

    it('adds a session from the event alone when ocserv cannot be asked about the id', async () => {
      occtl.down = true;
      events.next(anOcctlEvent({ id: 22, username: 'erin', vpnIp: '192.168.99.9' }));
      await flush();
      expect(store.get('22')).toMatchObject({ username: 'erin', vpnIp: '192.168.99.9' });
    });

    it('does not add a session ocserv answers it does not know (the connect-script refused it)', async () => {
      events.next(anOcctlEvent({ id: 23, username: 'bob', vpnIp: '192.168.99.10' }));
      await flush();
      expect(store.get('23')).toBeUndefined();
    });

    it('does not ask ocserv about a session the hook already recorded for the same user', async () => {
      const showId = jest.spyOn(occtl, 'showId');
      store.add({ sessionId: '25', username: 'carol', clientIp: '198.51.100.1', vpnIp: '', deviceId: '', connectedAtMs: 0, bytesIn: 0, bytesOut: 0, metadata: {} });

      events.next(anOcctlEvent({ id: 25, username: 'carol' }));
      await flush();

      expect(showId).not.toHaveBeenCalled();
      expect(store.get('25')?.username).toBe('carol');
    });

    it('waits for the hook decision pending on the session instead of asking show id', async () => {
      const showId = jest.spyOn(occtl, 'showId');
      let decide!: () => void;
      void connects.track('26', 'carol', () => new Promise<void>((resolve) => (decide = resolve)));

      events.next(anOcctlEvent({ id: 26, username: 'carol' }));
      await flush();
      store.add({ sessionId: '26', username: 'carol', clientIp: '198.51.100.1', vpnIp: '', deviceId: '', connectedAtMs: 0, bytesIn: 0, bytesOut: 0, metadata: {} });
      decide();
      await flush();

      expect(showId).not.toHaveBeenCalled();
      expect(store.get('26')?.username).toBe('carol');
    });

    it('asks show id once a pending hook decision recorded no session (a denial)', async () => {
      const showId = jest.spyOn(occtl, 'showId');
      let decide!: () => void;
      void connects.track('27', 'carol', () => new Promise<void>((resolve) => (decide = resolve)));

      events.next(anOcctlEvent({ id: 27, username: 'carol' }));
      await flush();
      expect(showId).not.toHaveBeenCalled();
      decide();
      await flush();

      expect(showId).toHaveBeenCalledWith(27);
      expect(store.get('27')).toBeUndefined();
    });

    it('does not wait for a decision pending for another user on the same id', async () => {
      const showId = jest.spyOn(occtl, 'showId');
      void connects.track('28', 'mallory', () => new Promise<void>(() => undefined));

      events.next(anOcctlEvent({ id: 28, username: 'carol' }));
      await flush();

      expect(showId).toHaveBeenCalledWith(28);
    });

    it('does not add a session that is not connected yet', async () => {
      occtl.byId.set(24, anOcctlUser({ id: 24, username: 'bob', state: 'pre-auth' }));
      events.next(anOcctlEvent({ id: 24, username: 'bob' }));
      await flush();
      expect(store.get('24')).toBeUndefined();
    });

    describe('a session still connecting when show id answers (its connect-script running)', () => {
      beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
      afterEach(() => jest.useRealTimers());

      it('is asked about again and added once ocserv says connected, without waiting for a reconciliation', async () => {
        occtl.byId.set(24, anOcctlUser({ id: 24, username: 'bob', state: 'pre-auth' }));
        events.next(anOcctlEvent({ id: 24, username: 'bob' }));
        await jest.advanceTimersByTimeAsync(CONNECT_CONFIRM_DELAYS_MS[0]!);
        expect(store.get('24')).toBeUndefined();

        occtl.byId.set(24, anOcctlUser({ id: 24, username: 'bob', state: 'connected', groupname: 'ops' }));
        await jest.advanceTimersByTimeAsync(CONNECT_CONFIRM_DELAYS_MS[1]!);

        expect(store.get('24')?.metadata.group).toBe('ops');
      });

      it('stops asking when ocserv no longer knows the id (the connect-script refused it)', async () => {
        occtl.byId.set(29, anOcctlUser({ id: 29, username: 'bob', state: 'pre-auth' }));
        const showId = jest.spyOn(occtl, 'showId');
        events.next(anOcctlEvent({ id: 29, username: 'bob' }));
        await flush();
        occtl.byId.delete(29);
        await jest.advanceTimersByTimeAsync(CONNECT_CONFIRM_DELAYS_MS.reduce((sum, delay) => sum + delay, 0));

        expect(showId).toHaveBeenCalledTimes(2);
        expect(store.get('29')).toBeUndefined();
      });

      it('asks a bounded number of times for a session that never connects', async () => {
        occtl.byId.set(30, anOcctlUser({ id: 30, username: 'bob', state: 'pre-auth' }));
        const showId = jest.spyOn(occtl, 'showId');
        events.next(anOcctlEvent({ id: 30, username: 'bob' }));
        await jest.advanceTimersByTimeAsync(60_000);

        expect(showId).toHaveBeenCalledTimes(1 + CONNECT_CONFIRM_DELAYS_MS.length);
        expect(store.get('30')).toBeUndefined();
      });

      it('stops asking once the session disconnected', async () => {
        occtl.byId.set(31, anOcctlUser({ id: 31, username: 'bob', state: 'pre-auth' }));
        const showId = jest.spyOn(occtl, 'showId');
        events.next(anOcctlEvent({ id: 31, username: 'bob' }));
        await flush();
        events.next(anOcctlEvent({ kind: 'disconnect', id: 31, username: 'bob' }));
        await jest.advanceTimersByTimeAsync(60_000);

        expect(showId).toHaveBeenCalledTimes(1);
      });
    });

    it('removes a disconnecting session', async () => {
      occtl.byId.set(21, anOcctlUser({ id: 21, username: 'dave' }));
      events.next(anOcctlEvent({ id: 21, username: 'dave' }));
      await flush();
      events.next(anOcctlEvent({ kind: 'disconnect', id: 21, username: 'dave' }));
      expect(store.get('21')).toBeUndefined();
    });

    it('does not resurrect a session ended while a snapshot was in flight', async () => {
      occtl.users = [anOcctlUser({ id: 31, username: 'frank' })];
      events.next(anOcctlEvent({ kind: 'disconnect', id: 31, username: 'frank' }));
      await sut.reconcile();
      expect(store.get('31')).toBeUndefined();
    });

    it('reconciles when the event stream (re)starts', async () => {
      occtl.users = [anOcctlUser({ id: 41, username: 'gina' })];
      started.next();
      await flush();
      await flush();
      expect(store.get('41')).toBeDefined();
    });
  });
});
