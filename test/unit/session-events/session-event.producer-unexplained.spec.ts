import { Logger } from '@nestjs/common';
import { SessionEventProducer } from '../../../src/session-events/session-event.producer';
import { aVpnSession } from '../builders/vpn-session.builder';
import { advance, ENDED_AT_MS, PROBE_MAX_WAIT_MS, ProducerRig, SETTLE_MS } from './producer-rig';

const bob = aVpnSession({ sessionId: 'sess-bob-1', username: 'bob', metadata: { ocserv_session: 'bObS3s' } });
const carol = aVpnSession({ sessionId: 'sess-carol-1', username: 'carol' });

/** ocserv 1.1.6 stopped with SIGTERM reports every end on its event stream like this (measured). */
const UNEXPLAINED = { source: 'occtl-event', ocservReason: 'unknown' } as const;

/*
 * Ends ocserv did not explain (held while ocserv is probed, SERVER_SHUTDOWN when it went away)
 * and what the first reconciliation after a start reports. Starts, ends and intents:
 * session-event.producer.spec.ts.
 */
describe(`${SessionEventProducer.name} with unexplained ends`, () => {
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

  describe('an end ocserv did not explain', () => {
    it(`is held for the settle window plus ${PROBE_MAX_WAIT_MS / 1000} s while ocserv is probed`, () => {
      rig.start();

      rig.end(UNEXPLAINED);

      expect(rig.probe.asked).toBe(1);
      expect(rig.theDisconnect().notBeforeMs).toBe(ENDED_AT_MS + SETTLE_MS + PROBE_MAX_WAIT_MS);
    });

    it('becomes SERVER_SHUTDOWN when the probe finds ocserv gone, released at the end of its settle window', async () => {
      rig.probe.replies('gone');
      rig.start();

      rig.end(UNEXPLAINED);
      await advance();

      const end = rig.theDisconnect();
      expect(end.body).toMatchObject({ reason: 'SERVER_SHUTDOWN', metadata: { ocserv_stopped: 'true', reason_source: 'ocserv-stopped', ocserv_reason: 'unknown' } });
      expect(end.notBeforeMs).toBe(ENDED_AT_MS + SETTLE_MS);
    });

    it('is released unchanged at the end of its settle window when the same ocserv answers', async () => {
      rig.probe.replies('same');
      rig.start();

      rig.end(UNEXPLAINED);
      await advance();

      const end = rig.theDisconnect();
      expect(end.body).toMatchObject({ reason: 'UNSPECIFIED', metadata: { reason_source: 'ocserv', ocserv_reason: 'unknown' } });
      expect(end.body.metadata).not.toHaveProperty('ocserv_stopped');
      expect(end.notBeforeMs).toBe(ENDED_AT_MS + SETTLE_MS);
    });

    it('is released at once when the answer comes after its settle window', async () => {
      rig.start();
      rig.end(UNEXPLAINED);
      await advance(SETTLE_MS + 200);

      rig.probe.answer(true);
      await advance();

      expect(rig.theDisconnect().notBeforeMs).toBe(ENDED_AT_MS + SETTLE_MS + 200);
    });

    it(`is released unchanged after ${PROBE_MAX_WAIT_MS / 1000} s when the probe never answers`, async () => {
      rig.start();
      rig.end(UNEXPLAINED);

      await advance(PROBE_MAX_WAIT_MS);

      const end = rig.theDisconnect();
      expect(end.body.reason).toBe('UNSPECIFIED');
      expect(end.notBeforeMs).toBe(ENDED_AT_MS + PROBE_MAX_WAIT_MS);
    });

    it('is released unchanged when the probe fails', async () => {
      rig.probe.replies('fails');
      rig.start();

      rig.end(UNEXPLAINED);
      await advance();

      expect(rig.theDisconnect()).toMatchObject({ body: { reason: 'UNSPECIFIED' }, notBeforeMs: ENDED_AT_MS + SETTLE_MS });
    });

    it('shares one probe with the other ends recorded at the same moment, and its answer covers them all', async () => {
      rig.start();
      rig.start(bob);
      rig.start(carol);
      rig.end(UNEXPLAINED);
      rig.end({ ...UNEXPLAINED, sessionId: bob.sessionId, username: bob.username });
      rig.end({ ...UNEXPLAINED, sessionId: carol.sessionId, username: carol.username });

      rig.probe.answer(false);
      await advance();

      expect(rig.probe.asked).toBe(1);
      expect(rig.disconnects().map((event) => [event.body.username, event.body.reason, event.notBeforeMs])).toEqual([
        ['alice', 'SERVER_SHUTDOWN', ENDED_AT_MS + SETTLE_MS],
        ['bob', 'SERVER_SHUTDOWN', ENDED_AT_MS + SETTLE_MS],
        ['carol', 'SERVER_SHUTDOWN', ENDED_AT_MS + SETTLE_MS],
      ]);
    });

    it('recorded while the probe is out, waits for a probe of its own', async () => {
      rig.start();
      rig.start(bob);
      rig.end(UNEXPLAINED);
      await advance(100);
      rig.end({ ...UNEXPLAINED, sessionId: bob.sessionId, username: bob.username });

      rig.probe.answer(true);
      await advance();

      expect(rig.probe.asked).toBe(2);
      expect(rig.disconnects().map((event) => [event.body.username, event.notBeforeMs])).toEqual([
        ['alice', ENDED_AT_MS + SETTLE_MS],
        ['bob', ENDED_AT_MS + 100 + SETTLE_MS + PROBE_MAX_WAIT_MS],
      ]);
    });

    it('is not probed when ocserv gave a reason', () => {
      rig.start();

      rig.end({ source: 'occtl-event', ocservReason: 'idle timeout' });

      expect(rig.probe.asked).toBe(0);
    });
  });

  describe('ocservGone', () => {
    it('makes the undecided ends recorded just before it SERVER_SHUTDOWN', async () => {
      rig.start();
      rig.end(UNEXPLAINED);
      await advance(1_000);

      rig.sut.ocservGone('occtl show status: offline');

      expect(rig.theDisconnect().body).toMatchObject({ reason: 'SERVER_SHUTDOWN', metadata: { reason_source: 'ocserv-stopped' } });
    });

    it('leaves an end ocserv explained alone', () => {
      rig.start();
      rig.end({ source: 'occtl-event', ocservReason: 'user disconnected' });

      rig.sut.ocservGone('occtl show status: offline');

      expect(rig.theDisconnect().body).toMatchObject({ reason: 'USER_INITIATED', metadata: { reason_source: 'ocserv' } });
    });

    it('makes ends arriving within the settle window after it SERVER_SHUTDOWN, without a probe', async () => {
      rig.start();
      rig.sut.ocservGone('event stream ended');
      await advance(SETTLE_MS - 1);

      rig.end({ source: 'hook', bytesIn: 10, bytesOut: 20 });

      expect(rig.probe.asked).toBe(0);
      expect(rig.theDisconnect()).toMatchObject({
        body: { reason: 'SERVER_SHUTDOWN', metadata: { ocserv_stopped: 'true', reason_source: 'ocserv-stopped' } },
        notBeforeMs: ENDED_AT_MS + 2 * SETTLE_MS - 1,
      });
    });

    it('does not explain ends arriving once the settle window after it has passed', async () => {
      rig.start();
      rig.sut.ocservGone('event stream ended');
      await advance(SETTLE_MS);

      rig.end({ source: 'hook', bytesIn: 10, bytesOut: 20 });

      expect(rig.probe.asked).toBe(1);
      expect(rig.theDisconnect().body).toMatchObject({ reason: 'UNSPECIFIED', metadata: { reason_source: 'none' } });
    });
  });

  describe('synced', () => {
    /** The agent ran with alice and bob live, stopped, and starts again an hour later. */
    async function restartedAfterAnHour(): Promise<void> {
      rig.start();
      rig.start(bob);
      rig.restart();
      await advance(3_600_000);
    }

    it("reports the ledger's sessions ocserv no longer has as ended while the agent was down, to be sent at once", async () => {
      await restartedAfterAnHour();

      rig.sut.synced([aVpnSession()]);

      const end = rig.theDisconnect();
      expect(end.body).toMatchObject({
        username: 'bob',
        sessionId: 'sess-bob-1',
        reason: 'UNSPECIFIED',
        stats: { durationSeconds: 0, bytesReceived: 0, bytesSent: 0 },
        metadata: { reason_source: 'ended-while-agent-down', ended_while_agent_down: 'true', reported_by: 'recovery', ocserv_session: 'bObS3s' },
      });
      expect(end.notBeforeMs).toBe(ENDED_AT_MS + 3_600_000);
    });

    it('keeps the sessions ocserv still has live, without an end', async () => {
      await restartedAfterAnHour();

      rig.sut.synced([aVpnSession()]);

      expect(rig.outbox.liveSessions().map((live) => live.username)).toEqual(['alice']);
      expect(rig.disconnects().map((event) => event.body.username)).toEqual(['bob']);
    });

    it('takes a session id ocserv has under another user for an end', async () => {
      await restartedAfterAnHour();

      rig.sut.synced([aVpnSession(), aVpnSession({ sessionId: bob.sessionId, username: 'mallory' })]);

      expect(rig.disconnects().map((event) => event.body.username)).toEqual(['bob']);
    });

    it('does nothing at the later reconciliations', async () => {
      await restartedAfterAnHour();
      rig.sut.synced([aVpnSession(), bob]);

      rig.sut.synced([]);

      expect(rig.disconnects()).toEqual([]);
      expect(rig.outbox.liveSessions()).toHaveLength(2);
    });

    it('is not probed: nothing more will explain these ends', async () => {
      await restartedAfterAnHour();

      rig.sut.synced([]);

      expect(rig.probe.asked).toBe(0);
    });
  });
});
