import { SqliteEventOutbox } from '../../../src/session-events/outbox/sqlite-event-outbox';
import { FAKE_CLOCK_START_MS } from '../builders/fake-clock';
import { aConnectBody, aDisconnectBody, anUpdateBody } from '../builders/session-event.builder';
import { drain, EVERYTHING_DUE_MS, OutboxWorkspace, storedEvent } from './outbox-workspace';

const T0 = FAKE_CLOCK_START_MS;
const SETTLE_MS = 1_500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const alice = aConnectBody({ sessionId: 'a1', username: 'alice' });
const bob = aConnectBody({ sessionId: 'b1', username: 'bob' });
const aliceEnd = aDisconnectBody({ sessionId: 'a1', username: 'alice' });
const aliceUsage = anUpdateBody({ sessionId: 'a1', username: 'alice' });

describe(SqliteEventOutbox.name, () => {
  let workspace: OutboxWorkspace;
  let sut: SqliteEventOutbox;

  beforeEach(() => {
    workspace = new OutboxWorkspace();
    sut = workspace.open();
  });

  afterEach(() => workspace.dispose());

  describe('recordConnect', () => {
    it('stores the connect with a random event id and records the session as live', () => {
      const event = storedEvent(sut.recordConnect(alice, T0));

      expect(event).toEqual({
        seq: expect.any(Number),
        eventId: expect.stringMatching(UUID),
        body: alice,
        createdAtMs: T0,
        attempts: 0,
        notBeforeMs: T0,
      });
      expect(sut.liveSessions()).toEqual([{ sessionId: 'a1', username: 'alice', connectedAtMs: alice.connectedAtMs, connect: alice }]);
    });

    it('answers duplicate for a session already live under the same username, storing nothing', () => {
      sut.recordConnect(alice, T0);

      expect(sut.recordConnect({ ...alice, vpnIp: '10.10.0.9' }, T0 + 1)).toEqual({ outcome: 'duplicate' });
      expect(sut.stats().pending).toBe(1);
      expect(sut.liveSessions()[0].connect.vpnIp).toBe(alice.vpnIp);
    });

    it('replaces the ledger row and stores the new connect when the id is live under another username', () => {
      sut.recordConnect(alice, T0);
      const mallory = aConnectBody({ sessionId: 'a1', username: 'mallory' });

      storedEvent(sut.recordConnect(mallory, T0 + 1));

      expect(sut.liveSessions()).toEqual([expect.objectContaining({ sessionId: 'a1', username: 'mallory', connect: mallory })]);
      expect(drain(sut).map((event) => event.body)).toEqual([alice, mallory]);
    });

    it('gives every event its own id and an increasing seq', () => {
      const first = storedEvent(sut.recordConnect(alice, T0));
      const second = storedEvent(sut.recordConnect(bob, T0));

      expect(second.seq).toBeGreaterThan(first.seq);
      expect(second.eventId).not.toBe(first.eventId);
    });
  });

  describe('recordDisconnect', () => {
    it('ends the session in the ledger and stores the disconnect, not sent before notBeforeMs', () => {
      sut.recordConnect(alice, T0);

      const event = storedEvent(sut.recordDisconnect(aliceEnd, T0 + 10, T0 + 10 + SETTLE_MS));

      expect(event).toMatchObject({ body: aliceEnd, createdAtMs: T0 + 10, notBeforeMs: T0 + 10 + SETTLE_MS });
      expect(sut.liveSessions()).toEqual([]);
    });

    it('answers duplicate for a session never reported live', () => {
      expect(sut.recordDisconnect(aliceEnd, T0, T0)).toEqual({ outcome: 'duplicate' });
      expect(sut.stats().pending).toBe(0);
    });

    it('answers duplicate when the end is already recorded', () => {
      sut.recordConnect(alice, T0);
      sut.recordDisconnect(aliceEnd, T0, T0);

      expect(sut.recordDisconnect(aliceEnd, T0 + 1, T0 + 1)).toEqual({ outcome: 'duplicate' });
      expect(sut.stats().pendingByKind.disconnect).toBe(1);
    });

    it('answers duplicate when the id is live under another username, and keeps that session live', () => {
      sut.recordConnect(alice, T0);

      expect(sut.recordDisconnect({ ...aliceEnd, username: 'bob' }, T0, T0)).toEqual({ outcome: 'duplicate' });
      expect(sut.liveSessions().map((live) => live.username)).toEqual(['alice']);
    });

    it('lets the same session id connect again once its end is recorded', () => {
      sut.recordConnect(alice, T0);
      sut.recordDisconnect(aliceEnd, T0, T0);

      expect(sut.recordConnect(alice, T0 + 1).outcome).toBe('stored');
    });
  });

  describe('recordUpdate', () => {
    it('answers duplicate for a session that is not live', () => {
      expect(sut.recordUpdate(aliceUsage, T0)).toEqual({ outcome: 'duplicate' });
    });

    it('replaces the waiting update of the session, the new one behind everything recorded before it', () => {
      sut.recordConnect(alice, T0);
      const first = storedEvent(sut.recordUpdate(aliceUsage, T0 + 1));
      sut.recordConnect(bob, T0 + 2);
      const latest = { ...aliceUsage, stats: { ...aliceUsage.stats, bytesSent: 7_777 } };

      const second = storedEvent(sut.recordUpdate(latest, T0 + 3));

      expect(second.seq).toBeGreaterThan(first.seq);
      expect(sut.stats().pendingByKind.update).toBe(1);
      expect(drain(sut).map((event) => event.body)).toEqual([alice, bob, latest]);
    });

    it('keeps an update that is leased and queues the new one behind it', () => {
      sut.recordConnect(alice, T0);
      sut.delivered(sut.lease(T0, 10).map((event) => event.seq));
      sut.recordUpdate(aliceUsage, T0 + 1);
      const [leased] = sut.lease(T0 + 1, 10);
      const latest = { ...aliceUsage, updateTimeMs: T0 + 2 };

      sut.recordUpdate(latest, T0 + 2);

      expect(leased.body).toEqual(aliceUsage);
      expect(sut.stats().pendingByKind.update).toBe(2);
      sut.delivered([leased.seq]);
      expect(drain(sut).map((event) => event.body)).toEqual([latest]);
    });

    it('keeps a session in order: connect, then its update, then its disconnect', () => {
      sut.recordConnect(alice, T0);
      sut.recordUpdate(aliceUsage, T0 + 1);
      sut.recordDisconnect(aliceEnd, T0 + 2, T0 + 2);

      expect(drain(sut).map((event) => event.body.kind)).toEqual(['connect', 'update', 'disconnect']);
    });
  });

  describe('amendPendingDisconnect', () => {
    beforeEach(() => {
      sut.recordConnect(alice, T0);
      sut.recordDisconnect(aliceEnd, T0, T0 + SETTLE_MS);
    });

    it('rewrites the waiting disconnect and moves its send time', () => {
      const amended = sut.amendPendingDisconnect('a1', (body) => ({ ...body, reason: 'IDLE_TIMEOUT' }), T0 + 99);

      expect(amended).toBe(true);
      expect(drain(sut)[1]).toMatchObject({ body: { ...aliceEnd, reason: 'IDLE_TIMEOUT' }, notBeforeMs: T0 + 99 });
    });

    it('keeps the send time when none is given', () => {
      sut.amendPendingDisconnect('a1', (body) => ({ ...body, metadata: { ocserv_reason: 'idle' } }));

      expect(drain(sut)[1].notBeforeMs).toBe(T0 + SETTLE_MS);
    });

    it('counts the rewritten body in the payload bytes', () => {
      const before = sut.stats().bytes;

      sut.amendPendingDisconnect('a1', (body) => ({ ...body, metadata: { ...body.metadata, extra: 'x'.repeat(100) } }));

      expect(sut.stats().bytes).toBe(before + Buffer.byteLength(',"extra":""') + 100);
    });

    it('answers false when the session has no disconnect recorded', () => {
      expect(sut.amendPendingDisconnect('b1', (body) => body)).toBe(false);
    });

    it('answers false once the disconnect is leased, leaving it as it was', () => {
      sut.delivered(sut.lease(EVERYTHING_DUE_MS, 10).map((event) => event.seq));
      const [leased] = sut.lease(EVERYTHING_DUE_MS, 10);

      expect(sut.amendPendingDisconnect('a1', (body) => ({ ...body, reason: 'ADMIN_FORCED' }))).toBe(false);
      sut.failed(leased.seq, T0);
      expect(drain(sut)[0].body).toEqual(aliceEnd);
    });

    it('answers false once the disconnect is delivered', () => {
      drain(sut);

      expect(sut.amendPendingDisconnect('a1', (body) => body)).toBe(false);
    });
  });

  describe('lease', () => {
    it('hands out only the oldest event of a session; the next waits until it is delivered', () => {
      sut.recordConnect(alice, T0);
      sut.recordUpdate(aliceUsage, T0);

      const first = sut.lease(T0, 10);
      expect(first.map((event) => event.body.kind)).toEqual(['connect']);
      sut.delivered(first.map((event) => event.seq));

      expect(sut.lease(T0, 10).map((event) => event.body.kind)).toEqual(['update']);
    });

    it('leaves an event whose notBeforeMs is still ahead, and the session behind it', () => {
      sut.recordConnect(alice, T0);
      sut.delivered(sut.lease(T0, 10).map((event) => event.seq));
      sut.recordDisconnect(aliceEnd, T0, T0 + SETTLE_MS);
      sut.recordConnect(alice, T0 + 1);

      expect(sut.lease(T0 + SETTLE_MS - 1, 10)).toEqual([]);
      expect(sut.lease(T0 + SETTLE_MS, 10).map((event) => event.body.kind)).toEqual(['disconnect']);
    });

    it('takes sessions oldest first, at most limit', () => {
      const carol = aConnectBody({ sessionId: 'c1', username: 'carol' });
      sut.recordConnect(alice, T0);
      sut.recordConnect(bob, T0);
      sut.recordConnect(carol, T0);

      expect(sut.lease(T0, 2).map((event) => event.body.sessionId)).toEqual(['a1', 'b1']);
      expect(sut.lease(T0, 2).map((event) => event.body.sessionId)).toEqual(['c1']);
    });

    it('never hands out a leased event again, nor the session behind it', () => {
      sut.recordConnect(alice, T0);
      sut.recordUpdate(aliceUsage, T0);
      sut.lease(T0, 10);

      expect(sut.lease(T0, 10)).toEqual([]);
    });

    it('answers an empty list for a limit of 0', () => {
      sut.recordConnect(alice, T0);

      expect(sut.lease(T0, 0)).toEqual([]);
    });

    it('forgets its leases on restart: everything undelivered is eligible again', () => {
      sut.recordConnect(alice, T0);
      const [leased] = sut.lease(T0, 10);
      sut.close();

      const reopened = workspace.open();

      expect(reopened.lease(T0, 10)).toEqual([leased]);
    });
  });

  describe('failed', () => {
    it('counts the attempt, holds the event until retryAtMs and releases the lease', () => {
      sut.recordConnect(alice, T0);
      const [leased] = sut.lease(T0, 10);

      sut.failed(leased.seq, T0 + 500);

      expect(sut.lease(T0 + 499, 10)).toEqual([]);
      expect(sut.lease(T0 + 500, 10)).toEqual([{ ...leased, attempts: 1, notBeforeMs: T0 + 500 }]);
    });
  });

  describe('delivered', () => {
    it('removes the events for good, in one call for many', () => {
      sut.recordConnect(alice, T0);
      sut.recordConnect(bob, T0);

      sut.delivered(sut.lease(T0, 10).map((event) => event.seq));

      expect(sut.stats()).toMatchObject({ pending: 0, bytes: 0, oldestCreatedAtMs: undefined });
      expect(sut.lease(EVERYTHING_DUE_MS, 10)).toEqual([]);
    });

    it('ignores seqs it does not hold', () => {
      sut.recordConnect(alice, T0);

      sut.delivered([12345, -1]);

      expect(sut.stats().pending).toBe(1);
    });
  });

  describe('nextDueMs', () => {
    it('is undefined when nothing waits', () => {
      expect(sut.nextDueMs()).toBeUndefined();
    });

    it('is the earliest send time among events lease() could hand out', () => {
      sut.recordConnect(alice, T0 + 5);
      sut.recordConnect(bob, T0 + 3);

      expect(sut.nextDueMs()).toBe(T0 + 3);
    });

    it('leaves out leased events and the events queued behind them', () => {
      sut.recordConnect(alice, T0);
      sut.recordUpdate(aliceUsage, T0);
      sut.recordConnect(bob, T0 + 7);
      sut.lease(T0, 1);

      expect(sut.nextDueMs()).toBe(T0 + 7);
    });
  });

  describe('stats', () => {
    it('reports what is held, by kind, with the payload bytes and the live sessions', () => {
      sut.recordConnect(alice, T0 + 1);
      sut.recordUpdate(aliceUsage, T0 + 2);
      sut.recordConnect(bob, T0 + 3);
      sut.recordDisconnect({ ...aliceEnd, sessionId: 'b1', username: 'bob' }, T0 + 4, T0 + 4);

      expect(sut.stats()).toEqual({
        pending: 4,
        pendingByKind: { connect: 2, disconnect: 1, update: 1 },
        bytes: [alice, aliceUsage, bob, { ...aliceEnd, sessionId: 'b1', username: 'bob' }]
          .map((body) => Buffer.byteLength(JSON.stringify(body)))
          .reduce((sum, bytes) => sum + bytes, 0),
        maxBytes: 64 * 1024 * 1024,
        oldestCreatedAtMs: T0 + 1,
        droppedByKind: { connect: 0, disconnect: 0, update: 0 },
        corruptSkipped: 0,
        liveSessions: 1,
      });
    });
  });

  describe('hostile inputs', () => {
    const hostileId = `a'b"c\\d; DROP TABLE events;--\u0000`;

    it('stores and returns a sessionId with quotes, backslashes and NUL exactly', () => {
      const body = aConnectBody({ sessionId: hostileId });

      sut.recordConnect(body, T0);

      expect(sut.liveSessions()[0]).toMatchObject({ sessionId: hostileId, connect: body });
      expect(sut.recordUpdate(anUpdateBody({ sessionId: hostileId }), T0).outcome).toBe('stored');
      expect(drain(sut).map((event) => event.body.sessionId)).toEqual([hostileId, hostileId]);
    });

    it('stores and returns unicode exactly (astral, RTL, combining, a lone surrogate)', () => {
      const metadata = { name: 'Zoë 🚀 \u202eevil\u202c 한국어 e\u0301', lone: '\ud800', '键': '✓' };
      const body = aConnectBody({ username: 'ümlaut-🙂', metadata });

      sut.recordConnect(body, T0);

      expect(drain(sut)[0].body).toEqual(body);
      expect(sut.liveSessions()[0].username).toBe('ümlaut-🙂');
    });

    it('stores and returns huge metadata values exactly', () => {
      const body = aConnectBody({ metadata: { blob: 'x'.repeat(2 * 1024 * 1024), other: '{"not":"json"' } });

      sut.recordConnect(body, T0);

      expect(drain(sut)[0].body).toEqual(body);
    });
  });
});
