import { SessionLifecycle } from '../../../src/session/session-lifecycle';
import { Logger } from '@nestjs/common';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { AgentError } from '../../../src/errors/agent-error';
import { ConnectsInFlight } from '../../../src/session/connects-in-flight';
import type { OcservSessionSync } from '../../../src/session/ocserv-session-sync.service';
import { SessionStore } from '../../../src/session/session-store.service';
import { ConnectionAuthorizer } from '../../../src/vpn/connection-authorizer';
import type { ConnectDecision, ConnectNotice } from '../../../src/vpn/vpn-notices';
import type { PortalRoutesWriter } from '../../../src/vpn/portal-routes.writer';
import { VpnSessionService } from '../../../src/vpn/vpn-session.service';
import { DecisionMetrics } from '../../../src/vpn/decision-metrics';
import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { agentErrorFromAsync, agentErrorFrom } from '../builders/caught-error';
import { FakeClock, FAKE_CLOCK_START_MS } from '../builders/fake-clock';
import { aConnectNotice, aDenyDecision, anAllowDecision } from '../builders/vpn-request.builder';

const FIVE_MINUTES_MS = 5 * 60 * 1000;

/** Answers every connection with `decision` and remembers what it was asked. */
class FakeConnectionAuthorizer extends ConnectionAuthorizer {
  readonly asked: ConnectNotice[] = [];

  constructor(public decision: ConnectDecision = anAllowDecision()) {
    super();
  }

  decide(notice: ConnectNotice): Promise<ConnectDecision> {
    this.asked.push(notice);
    return Promise.resolve(this.decision);
  }
}

/** The session sync as VpnSessionService sees it: current, or ocserv unreachable. */
class FakeSessionSync {
  unreachable = false;

  whenCurrent(): Promise<void> {
    return this.unreachable
      ? Promise.reject(AgentError.unavailable('cannot list sessions: ocserv is not answering on its control socket'))
      : Promise.resolve();
  }
}

/** Remembers what the service handed to the portal routes writer. */
class RecordingPortalRoutes {
  readonly recorded: { username: string; decision: ConnectDecision }[] = [];
  record(username: string, decision: ConnectDecision): Promise<void> {
    this.recorded.push({ username, decision });
    return Promise.resolve();
  }
}

describe(VpnSessionService.name, () => {
  let clock: FakeClock;
  let store: SessionStore;
  let authorizer: FakeConnectionAuthorizer;
  let sync: FakeSessionSync;
  let sut: VpnSessionService;
  let connects: ConnectsInFlight;
  let portalRoutes: RecordingPortalRoutes;
  let lifecycle: SessionLifecycle;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    clock = new FakeClock();
    store = new SessionStore(clock, configServiceFor(anAgentConfig({ session: { ttl_seconds: 3600, max_sessions: 10 } })));
    authorizer = new FakeConnectionAuthorizer();
    connects = new ConnectsInFlight();
    sync = new FakeSessionSync();
    portalRoutes = new RecordingPortalRoutes();
    lifecycle = new SessionLifecycle();
    sut = new VpnSessionService(
      store,
      sync as unknown as OcservSessionSync,
      authorizer,
      clock,
      new DecisionMetrics(new MetricsRegistry()),
      connects,
      portalRoutes as unknown as PortalRoutesWriter,
      lifecycle,
    );
  });

  describe('connect', () => {
    it("hands an allowed decision to the portal routes writer, for the user's file", async () => {
      const decision = await sut.connectFromOcserv(aConnectNotice());

      expect(portalRoutes.recorded).toEqual([{ username: 'alice', decision }]);
    });

    it('keeps the decision visible as pending until the allowed session is recorded', async () => {
      const connecting = sut.connectFromOcserv(aConnectNotice());
      const pending = connects.whenDecided('sess-alice-1', 'alice');

      expect(pending).toBeDefined();
      await pending;
      expect(store.get('sess-alice-1')?.username).toBe('alice');
      await connecting;
      expect(connects.whenDecided('sess-alice-1', 'alice')).toBeUndefined();
    });

    it('returns the authorizer decision', async () => {
      const decision = anAllowDecision({ routes: ['10.1.0.0/16'] });
      authorizer.decision = decision;

      await expect(sut.connect(aConnectNotice())).resolves.toBe(decision);
    });

    it('records an allowed session with zero traffic, connected now when connect_time is unset', async () => {
      await sut.connect(aConnectNotice());

      expect(store.get('sess-alice-1')).toEqual({
        sessionId: 'sess-alice-1',
        username: 'alice',
        clientIp: '198.51.100.7',
        vpnIp: '10.10.0.2',
        deviceId: 'vpns0',
        connectedAtMs: FAKE_CLOCK_START_MS,
        updatedAtMs: FAKE_CLOCK_START_MS,
        bytesIn: 0,
        bytesOut: 0,
        metadata: { platform: 'linux' },
      });
    });

    it('records the connect_time the notice carries', async () => {
      await sut.connect(aConnectNotice({ connectedAtMs: FAKE_CLOCK_START_MS - 30_000 }));

      expect(store.get('sess-alice-1')?.connectedAtMs).toBe(FAKE_CLOCK_START_MS - 30_000);
    });

    it('records nothing for a denied connection', async () => {
      authorizer.decision = aDenyDecision();

      await sut.connect(aConnectNotice());

      expect(store.count()).toBe(0);
    });

    it('keeps one session when the same notice arrives twice', async () => {
      const notice = aConnectNotice({ connectedAtMs: FAKE_CLOCK_START_MS - 1000 });
      await sut.connect(notice);
      const first = store.get('sess-alice-1');

      clock.advanceSeconds(10);
      await sut.connect(notice);

      expect(store.list()).toHaveLength(1);
      expect(store.get('sess-alice-1')).toEqual({ ...first, updatedAtMs: FAKE_CLOCK_START_MS + 10_000 });
    });

    it('keeps the first connect time when a notice without connect_time is repeated', async () => {
      await sut.connect(aConnectNotice());

      clock.advanceSeconds(10);
      await sut.connect(aConnectNotice());

      expect(store.get('sess-alice-1')?.connectedAtMs).toBe(FAKE_CLOCK_START_MS);
    });

    it('accepts a connect_time exactly 5 minutes ahead (clock skew)', async () => {
      await sut.connect(aConnectNotice({ connectedAtMs: FAKE_CLOCK_START_MS + FIVE_MINUTES_MS }));

      expect(store.count()).toBe(1);
    });

    it('refuses a connect_time more than 5 minutes ahead with INVALID_ARGUMENT, without asking the authorizer', async () => {
      const error = await agentErrorFromAsync(sut.connect(aConnectNotice({ connectedAtMs: FAKE_CLOCK_START_MS + FIVE_MINUTES_MS + 1 })));

      expect(error.code).toBe(AgentErrorCode.InvalidArgument);
      expect(error.message).toMatch(/^connect_time /);
      expect(authorizer.asked).toEqual([]);
      expect(store.count()).toBe(0);
    });

    it("refuses with FAILED_PRECONDITION an allowed session whose id another user's live session holds", async () => {
      await sut.connect(aConnectNotice({ username: 'alice' }));

      const error = await agentErrorFromAsync(sut.connect(aConnectNotice({ username: 'mallory' })));

      expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
      expect(store.get('sess-alice-1')?.username).toBe('alice');
    });
  });

  describe('disconnect', () => {
    it('removes the session and acknowledges', async () => {
      await sut.connect(aConnectNotice());

      const ack = sut.disconnect({ username: 'alice', sessionId: 'sess-alice-1', reason: 'logout' });

      expect(ack).toEqual({ acknowledged: true, message: 'session sess-alice-1 removed' });
      expect(store.get('sess-alice-1')).toBeUndefined();
    });

    it('acknowledges a session it never tracked', () => {
      expect(sut.disconnect({ username: 'alice', sessionId: 'unknown-1', reason: '' })).toEqual({
        acknowledged: true,
        message: 'session unknown-1 was not tracked; nothing to remove',
      });
    });

    it('refuses with FAILED_PRECONDITION when the username does not own the session, and keeps it', async () => {
      await sut.connect(aConnectNotice({ username: 'alice' }));

      const error = agentErrorFrom(() => sut.disconnect({ username: 'mallory', sessionId: 'sess-alice-1', reason: '' }));

      expect(error.code).toBe(AgentErrorCode.FailedPrecondition);
      expect(store.get('sess-alice-1')?.username).toBe('alice');
    });
  });

  describe('activeSessions', () => {
    beforeEach(async () => {
      await sut.connect(aConnectNotice({ sessionId: 'a1', username: 'alice' }));
      await sut.connect(aConnectNotice({ sessionId: 'b1', username: 'bob' }));
      await sut.connect(aConnectNotice({ sessionId: 'a2', username: 'alice' }));
    });

    it('lists every session without a username', async () => {
      expect((await sut.activeSessions({ username: '', includeStats: false })).map((s) => s.sessionId)).toEqual(['a1', 'b1', 'a2']);
    });

    it("lists only that user's sessions with a username", async () => {
      expect((await sut.activeSessions({ username: 'alice', includeStats: false })).map((s) => s.sessionId)).toEqual(['a1', 'a2']);
    });

    it('leaves out sessions whose TTL ran out', async () => {
      clock.advanceSeconds(3600);

      expect(await sut.activeSessions({ username: '', includeStats: true })).toEqual([]);
    });

    it('answers UNAVAILABLE, listing nothing, while ocserv cannot be asked', async () => {
      sync.unreachable = true;
      const error = await agentErrorFromAsync(sut.activeSessions({ username: '', includeStats: false }));
      expect(error.code).toBe(AgentErrorCode.Unavailable);
      expect(error.message).toContain('ocserv is not answering');
    });
  });
});
