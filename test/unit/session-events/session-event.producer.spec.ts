import { Logger } from '@nestjs/common';
import { SessionEventProducer } from '../../../src/session-events/session-event.producer';
import { FAKE_CLOCK_START_MS } from '../builders/fake-clock';
import { SystemClock } from '../../../src/clock/clock';
import { aSessionEnd, aSessionStart, anEndIntent } from '../builders/session-lifecycle.builder';
import { aVpnSession } from '../builders/vpn-session.builder';
import { advance, ENDED_AT_MS, ProducerRig, SETTLE_MS } from './producer-rig';

/** ocserv reuses worker ids only after the worker is gone; intents this old explain nothing (INTENT_TTL_MS). */
const INTENT_TTL_MS = 60_000;

/*
 * Starts, ends, the agent's own intents, usage and the deliverer's wake-up. Unexplained ends,
 * the probe, ocserv going away and recovery at start: session-event.producer-unexplained.spec.ts.
 */
describe(SessionEventProducer.name, () => {
  let rig: ProducerRig;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.useFakeTimers({ now: ENDED_AT_MS });
    rig = new ProducerRig();
  });

  afterEach(() => {
    jest.clearAllTimers();
    jest.useRealTimers();
    rig.dispose();
  });

  describe('started', () => {
    it("records one connect carrying the session's metadata and who reported it", () => {
      rig.sut.started(aSessionStart({ session: aVpnSession({ metadata: { platform: 'linux', ocserv_session: 'zUcoI7' } }), source: 'notify' }));

      expect(rig.recorded().map((event) => event.body)).toEqual([
        {
          kind: 'connect',
          username: 'alice',
          sessionId: 'sess-alice-1',
          groupname: 'staff',
          clientIp: '198.51.100.7',
          vpnIp: '10.10.0.2',
          device: 'vpns0',
          connectedAtMs: FAKE_CLOCK_START_MS,
          metadata: { platform: 'linux', ocserv_session: 'zUcoI7', reported_by: 'notify' },
        },
      ]);
    });

    it("takes the group from the session's metadata when the start does not name one", () => {
      rig.sut.started(aSessionStart({ session: aVpnSession({ metadata: { group: 'contractors' } }), groupname: '' }));

      expect(rig.recorded()[0]?.body).toMatchObject({ kind: 'connect', groupname: 'contractors' });
    });

    it('records nothing for a second start of the same session, whoever reports it', () => {
      rig.start();

      rig.sut.started(aSessionStart({ source: 'reconcile' }));
      rig.sut.started(aSessionStart({ source: 'hook' }));

      expect(rig.recorded()).toHaveLength(1);
    });
  });

  describe('ended', () => {
    it('records one disconnect for a live session, not sent before the settle window has passed', () => {
      rig.start();

      rig.end({ source: 'occtl-event', ocservReason: 'user disconnected', durationSeconds: 60 });

      const end = rig.theDisconnect();
      expect(end.body).toMatchObject({ username: 'alice', sessionId: 'sess-alice-1', disconnectedAtMs: ENDED_AT_MS, reason: 'USER_INITIATED' });
      expect(end.notBeforeMs).toBe(ENDED_AT_MS + SETTLE_MS);
      expect(rig.outbox.liveSessions()).toEqual([]);
    });

    it("amends the waiting disconnect with a second report of the same end: ocserv's reason, the script's counters", () => {
      rig.start();
      rig.end({ source: 'occtl-event', ocservReason: 'idle timeout', durationSeconds: 59 });

      rig.end({ source: 'hook', bytesIn: 5_000, bytesOut: 7_000, durationSeconds: 60 });

      const end = rig.theDisconnect();
      expect(end.body.reason).toBe('IDLE_TIMEOUT');
      expect(end.body.stats).toEqual({ durationSeconds: 60, bytesReceived: 5_000, bytesSent: 7_000 });
      expect(end.body.metadata).toMatchObject({
        ocserv_reason: 'idle timeout',
        reason_source: 'ocserv',
        stats_source: 'script',
        reported_by: 'occtl-event,hook',
      });
    });

    it('leaves the waiting disconnect alone when the second report names another user', () => {
      rig.start();
      rig.end({ source: 'occtl-event', ocservReason: 'idle timeout' });

      rig.end({ username: 'mallory', source: 'notify', bytesIn: 1, bytesOut: 1, callerReason: 'take over' });

      expect(rig.theDisconnect().body.metadata).not.toHaveProperty('caller_reason');
    });

    it('records nothing for a session that was never started', () => {
      rig.end({ source: 'occtl-event', ocservReason: 'user disconnected' });

      expect(rig.recorded()).toEqual([]);
    });
  });

  describe('ending', () => {
    it.each(['ADMIN_FORCED', 'POLICY_VIOLATION'] as const)('makes %s, announced before the end, the reason of the end', (reason) => {
      rig.start();
      rig.sut.ending(anEndIntent({ reason, detail: 'why: because' }));

      rig.end({ source: 'occtl-event', ocservReason: 'server disconnected' });

      const end = rig.theDisconnect().body;
      expect(end.reason).toBe(reason);
      expect(end.metadata).toMatchObject({ agent_intent: reason, agent_detail: 'why: because', reason_source: 'agent', ocserv_reason: 'server disconnected' });
    });

    it('holds at most 10,000 intents: past that the oldest is forgotten, the newest still applies', () => {
      rig.start();
      rig.sut.ending(anEndIntent());
      for (let i = 0; i < 10_000; i += 1) rig.sut.ending(anEndIntent({ sessionId: `other-${i}`, username: 'bob' }));

      rig.end({ source: 'occtl-event', ocservReason: 'server disconnected' });
      rig.start(aVpnSession({ sessionId: 'other-9999', username: 'bob' }));
      rig.end({ sessionId: 'other-9999', username: 'bob', source: 'occtl-event', ocservReason: 'server disconnected' });

      const reasons = Object.fromEntries(rig.disconnects().map((event) => [event.body.sessionId, event.body.reason]));
      expect(reasons).toEqual({ 'sess-alice-1': 'UNSPECIFIED', 'other-9999': 'ADMIN_FORCED' });
    });

    it('amends an end already recorded when the intent comes after it', () => {
      rig.start();
      rig.end({ source: 'occtl-event', ocservReason: 'server disconnected' });

      rig.sut.ending(anEndIntent({ reason: 'POLICY_VIOLATION', detail: 'portal ValidateSession: revoked' }));

      expect(rig.theDisconnect().body).toMatchObject({
        reason: 'POLICY_VIOLATION',
        metadata: { agent_intent: 'POLICY_VIOLATION', agent_detail: 'portal ValidateSession: revoked', reason_source: 'agent' },
      });
    });

    it('does not apply to the end of another user under the same session id, before or after', () => {
      rig.start();
      rig.sut.ending(anEndIntent({ username: 'mallory' }));
      rig.end({ source: 'occtl-event', ocservReason: 'server disconnected' });

      rig.sut.ending(anEndIntent({ username: 'mallory' }));

      expect(rig.theDisconnect().body).toMatchObject({ reason: 'UNSPECIFIED', metadata: { reason_source: 'ocserv' } });
    });

    it(`still explains an end ${INTENT_TTL_MS / 1000} s after it was announced`, async () => {
      rig.start();
      rig.sut.ending(anEndIntent());
      await advance(INTENT_TTL_MS);

      rig.end({ source: 'occtl-event', ocservReason: 'server disconnected' });

      expect(rig.theDisconnect().body.reason).toBe('ADMIN_FORCED');
    });

    it(`explains nothing once older than ${INTENT_TTL_MS / 1000} s`, async () => {
      rig.start();
      rig.sut.ending(anEndIntent());
      await advance(INTENT_TTL_MS + 1);

      rig.end({ source: 'occtl-event', ocservReason: 'server disconnected' });

      expect(rig.theDisconnect().body).toMatchObject({ reason: 'UNSPECIFIED', metadata: { reason_source: 'ocserv' } });
    });
  });

  describe('usage', () => {
    it('records an update for a live session with its duration and counters', async () => {
      rig.start();
      await advance(30_000);

      const outcome = rig.sut.usage(
        aVpnSession({ bytesIn: 1_234, bytesOut: 5_678, metadata: { ocserv_session: 'zUcoI7', platform: 'linux' } }),
        Date.now(),
      );

      expect(outcome.outcome).toBe('stored');
      expect(rig.recorded().map((event) => event.body)).toContainEqual({
        kind: 'update',
        username: 'alice',
        sessionId: 'sess-alice-1',
        updateTimeMs: ENDED_AT_MS + 30_000,
        stats: { durationSeconds: 90, bytesReceived: 1_234, bytesSent: 5_678 },
        status: 'ACTIVE',
        metadata: { ocserv_session: 'zUcoI7' },
      });
    });

    it('records nothing for a session that is not live', () => {
      rig.start();
      rig.end({ source: 'occtl-event', ocservReason: 'user disconnected' });

      const outcome = rig.sut.usage(aVpnSession(), Date.now());

      expect(outcome).toEqual({ outcome: 'duplicate' });
      expect(rig.recorded().map((event) => event.body.kind)).toEqual(['connect', 'disconnect']);
    });
  });

  describe('onRecorded', () => {
    it('wakes the deliverer after each stored record, with the event already in the outbox', () => {
      rig.start();
      rig.sut.usage(aVpnSession(), Date.now());
      rig.end({ source: 'occtl-event', ocservReason: 'user disconnected' });

      expect(rig.pendingAtWake).toEqual([1, 2, 3]);
    });

    it('does not wake it for a repeated start or end, nor for a session never started', () => {
      rig.start();
      rig.sut.started(aSessionStart({ source: 'reconcile' }));
      rig.end({ source: 'occtl-event', ocservReason: 'user disconnected' });
      rig.end({ source: 'hook', bytesIn: 1, bytesOut: 2 });
      rig.end({ sessionId: 'sess-unknown', source: 'occtl-event', ocservReason: 'user disconnected' });
      rig.sut.usage(aVpnSession({ sessionId: 'sess-unknown' }), Date.now());

      expect(rig.pendingAtWake).toEqual([1, 2]);
    });
  });
  describe('when the outbox cannot be written', () => {
    it('counts the failed write by kind and never throws to the login or end that caused it', () => {
      const failed: string[] = [];
      const outbox = rig.workspace.open();
      const sut = new SessionEventProducer(outbox, new SystemClock(), { settleMs: SETTLE_MS }, () => Promise.resolve(true), (kind) => failed.push(kind));
      sut.started(aSessionStart());
      outbox.close(); // every later write fails as a full disk or an I/O error would

      expect(() => sut.started(aSessionStart({ session: aVpnSession({ sessionId: 'sess-bob-1', username: 'bob' }) }))).not.toThrow();
      expect(() => sut.ended(aSessionEnd({ atMs: Date.now() }))).not.toThrow();
      expect(sut.usage(aVpnSession(), Date.now())).toMatchObject({ outcome: 'dropped' });
      expect(failed).toEqual(['connect', 'disconnect', 'update']);
    });
  });
});
