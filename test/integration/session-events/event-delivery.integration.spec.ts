import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventDeliverer } from '../../../src/session-events/event-deliverer';
import type { EventOutbox } from '../../../src/session-events/outbox/event-outbox';
import { SqliteEventOutbox } from '../../../src/session-events/outbox/sqlite-event-outbox';
import type { RecordedCall } from '../../../src/portal-simulator/simulator-records';
import { startPortalSimulator, type TestPortal } from '../../support/portal-sim';
import { createDeliveryRig, until, type DeliveryRig } from '../../support/session-events/delivery-rig';
import { InMemoryEventOutbox } from '../../support/session-events/in-memory-event-outbox';
import { aConnectBody, aDisconnectBody, anUpdateBody } from '../../unit/builders/session-event.builder';

/*
 * The delivery path as it runs in the agent: EventDeliverer -> GrpcEventReporter -> real gRPC
 * over mutual TLS -> the portal simulator. The outbox is the in-memory one (the contract of
 * EventOutbox) except in the last suite, which runs an outage through the SQLite store.
 */

const DRAIN_TIMEOUT_MS = 15_000;
const FAST_RETRIES = { retry_initial_ms: 50, retry_max_ms: 400, call_timeout_ms: 2_000, max_in_flight: 16 };

function eventIdOf(record: RecordedCall): string {
  return (record.request['metadata'] as Record<string, string>)['event_id'] ?? '';
}

/** Every session's lifecycle: connect, one usage update, disconnect. */
function recordSessions(outbox: EventOutbox, count: number): Map<string, string[]> {
  const ids = new Map<string, string[]>();
  const now = Date.now();
  for (let i = 0; i < count; i += 1) {
    const session = { sessionId: `sess-${i}`, username: i % 2 === 0 ? 'alice' : 'carol' };
    const results = [
      outbox.recordConnect(aConnectBody({ ...session, groupname: 'staff', connectedAtMs: now }), now),
      outbox.recordUpdate(anUpdateBody({ ...session, updateTimeMs: now }), now),
      outbox.recordDisconnect(aDisconnectBody({ ...session, disconnectedAtMs: now }), now, now),
    ];
    ids.set(session.sessionId, results.map((result) => (result.outcome === 'stored' ? result.event.eventId : 'not stored')));
  }
  return ids;
}

/** The event ids the simulator saw first, per session, in arrival order. */
function arrivedBySession(records: readonly RecordedCall[]): Map<string, string[]> {
  const bySession = new Map<string, string[]>();
  for (const record of records) {
    const session = String(record.request['session_id']);
    bySession.set(session, [...(bySession.get(session) ?? []), eventIdOf(record)]);
  }
  return bySession;
}

describe(EventDeliverer.name, () => {
  let portal: TestPortal;
  let outbox: InMemoryEventOutbox;
  let rig: DeliveryRig;

  beforeAll(async () => {
    portal = await startPortalSimulator();
  });

  afterAll(async () => {
    await portal.stop();
  });

  beforeEach(() => {
    portal.simulator.resetRecords();
    portal.simulator.setErrorRate(0);
    outbox = new InMemoryEventOutbox();
  });

  afterEach(async () => {
    await rig.close();
    await portal.simulator.restart();
  });

  it('delivers every event over mTLS with its event_id in metadata', async () => {
    rig = createDeliveryRig(portal.simulator.address, portal.pki, outbox, FAST_RETRIES);
    const recorded = recordSessions(outbox, 5);

    rig.deliverer.start();
    await until(() => outbox.pendingEvents().length === 0, DRAIN_TIMEOUT_MS, 'the outbox to drain');

    const events = portal.simulator.uniqueEvents;
    expect(events.map((record) => record.method)).toHaveLength(15);
    expect(arrivedBySession(events)).toEqual(recorded);
    expect(events[0]).toMatchObject({
      method: 'ReportConnect',
      callerCn: 'ocserv-agent-portal-client',
      duplicate: false,
      request: expect.objectContaining({ username: 'alice', session_id: 'sess-0', groupname: 'staff', client_ip: '198.51.100.7' }),
    });
    const disconnect = events.find((record) => record.method === 'ReportDisconnect');
    expect(disconnect?.request).toMatchObject({
      reason: 'DISCONNECT_REASON_USER_INITIATED',
      stats: { duration_seconds: 60, bytes_received: 1_000, bytes_sent: 2_000 },
      metadata: expect.objectContaining({ ocserv_reason: 'user disconnected', event_id: expect.any(String) }),
    });
    expect(portal.simulator.duplicateEventCount).toBe(0);
  });

  it("hands the portal's ReportSessionUpdate answer on: a denied user is to be disconnected", async () => {
    rig = createDeliveryRig(portal.simulator.address, portal.pki, outbox, FAST_RETRIES);
    const now = Date.now();
    outbox.recordConnect(aConnectBody({ username: 'bob', sessionId: 'sess-bob' }), now);
    outbox.recordUpdate(anUpdateBody({ username: 'bob', sessionId: 'sess-bob' }), now);

    rig.deliverer.start();
    await until(() => rig.answers.updates.length === 1, DRAIN_TIMEOUT_MS, 'the update answer');

    expect(rig.answers.updates[0]?.answer).toEqual({ success: true, shouldDisconnect: true, disconnectReason: 'account suspended' });
    expect(rig.answers.connects[0]?.answer).toEqual({ success: true, message: 'recorded', updatedRoutes: [] });
  });

  it('holds everything through a portal outage and delivers it all, in order per session, after the restart', async () => {
    rig = createDeliveryRig(portal.simulator.address, portal.pki, outbox, FAST_RETRIES);
    await portal.simulator.outage();
    const recorded = recordSessions(outbox, 200);

    rig.deliverer.start();
    await until(() => rig.deliverer.paused, DRAIN_TIMEOUT_MS, 'delivery to pause');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const retriedDuringOutage = outbox.failedCalls.length;
    await portal.simulator.restart();
    await until(() => outbox.pendingEvents().length === 0, DRAIN_TIMEOUT_MS, 'the outbox to drain after the restart');

    // 600 events due, 16 calls per probe round, pauses of up to 50, 100, 200, then 400 ms (full
    // jitter: about half that): some 9 rounds in the second, not a call per event per retry.
    expect(retriedDuringOutage).toBeGreaterThan(0);
    expect(retriedDuringOutage).toBeLessThanOrEqual(16 * 20);
    expect(portal.simulator.uniqueEvents).toHaveLength(600);
    expect(arrivedBySession(portal.simulator.uniqueEvents)).toEqual(recorded);
    expect(rig.deliverer.paused).toBe(false);
  });

  it("re-sends an event the portal saw but failed with the same event_id, and the simulator counts the duplicate", async () => {
    rig = createDeliveryRig(portal.simulator.address, portal.pki, outbox, FAST_RETRIES);
    portal.simulator.setErrorRate(0.25);
    const recorded = recordSessions(outbox, 20);

    rig.deliverer.start();
    await until(() => outbox.pendingEvents().length === 0, DRAIN_TIMEOUT_MS, 'the outbox to drain');

    const all = portal.simulator.events;
    const failed = all.filter((record) => record.simulatedError);
    const duplicates = all.filter((record) => record.duplicate);
    expect(failed.length).toBeGreaterThan(0);
    // Each call the switch failed was sent again, once per failure, with the id it had.
    expect(portal.simulator.duplicateEventCount).toBe(failed.length);
    expect(duplicates.map(eventIdOf).sort()).toEqual(failed.map(eventIdOf).sort());
    expect(portal.simulator.uniqueEvents).toHaveLength(60);
    expect(arrivedBySession(portal.simulator.uniqueEvents)).toEqual(recorded);
  });
});

describe(`${EventDeliverer.name} with the SQLite outbox`, () => {
  let portal: TestPortal;
  let dir: string;
  let outbox: SqliteEventOutbox;
  let rig: DeliveryRig;

  beforeAll(async () => {
    portal = await startPortalSimulator();
    dir = mkdtempSync(join(tmpdir(), 'event-delivery-sqlite-'));
    outbox = new SqliteEventOutbox({ path: join(dir, 'events.db'), maxBytes: 64 * 1024 * 1024, synchronous: 'normal' });
  });

  afterAll(async () => {
    await rig?.close();
    outbox.close();
    await portal.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers everything recorded during an outage once the portal is back, each session in order, the store left empty', async () => {
    rig = createDeliveryRig(portal.simulator.address, portal.pki, outbox, FAST_RETRIES);
    await portal.simulator.outage();
    const recorded = recordSessions(outbox, 100);

    rig.deliverer.start();
    await until(() => rig.deliverer.paused, DRAIN_TIMEOUT_MS, 'delivery to pause');
    await portal.simulator.restart();
    await until(() => outbox.stats().pending === 0, DRAIN_TIMEOUT_MS, 'the outbox to drain after the restart');

    expect(portal.simulator.uniqueEvents).toHaveLength(300);
    expect(arrivedBySession(portal.simulator.uniqueEvents)).toEqual(recorded);
    expect(outbox.stats()).toMatchObject({ pending: 0, liveSessions: 0 });
  });
});
