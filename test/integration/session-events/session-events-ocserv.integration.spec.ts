import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RIG_USERS, startAuthorizationRig, type AuthorizationRig } from '../../support/authorization-rig';
import { eventually } from '../../support/ocserv-lab/lab-agent';
import { VpnClientRefused } from '../../support/ocserv-lab/vpn-client';
import { TEST_POLICY_YAML, testPolicy } from '../../support/portal-sim';
import { TEST_IDENTITIES } from '../../support/test-agent';
import { lifecycleOf, uniquePortalEvents, type PortalEvent } from '../../support/session-events-records';

/*
 * Acceptance with real parts: ocserv runs the compiled hook, the agent (in-process) reports
 * every session's start and end to the portal simulator's EventService through its SQLite
 * outbox, and the reason of each end is what ocserv and the agent established.
 */

jest.setTimeout(120_000);

const SETTLE_MS = 1000;
const REVALIDATION_INTERVAL_S = 2;

describe('session events to the portal (real ocserv, openconnect, hook, portal simulator)', () => {
  let rig: AuthorizationRig;
  let outboxDir: string;

  const startAgent = (overrides: Parameters<AuthorizationRig['startAgent']>[0] = {}) =>
    rig.startAgent({
      events: {
        enabled: true,
        outbox_path: join(outboxDir, 'events.db'),
        disconnect_settle_ms: SETTLE_MS,
        retry_initial_ms: 100,
        retry_max_ms: 500,
        update_interval_seconds: 0,
      },
      ...overrides,
    });

  const events = (): PortalEvent[] => uniquePortalEvents(rig.portal.simulator);
  const endOf = async (username: string, count = 1): Promise<PortalEvent[]> => {
    const ends = () => events().filter((event) => event.username === username && event.method === 'ReportDisconnect');
    return eventually(ends, (found) => found.length >= count, 15_000);
  };

  beforeAll(async () => {
    rig = await startAuthorizationRig();
    outboxDir = mkdtempSync(join(tmpdir(), 'events-outbox-'));
    await startAgent();
  });

  afterAll(async () => {
    await rig?.stop();
    rmSync(outboxDir, { recursive: true, force: true });
  });

  it("reports a client that quits once each way: USER_INITIATED, the script's counters, ocserv's session id", async () => {
    const client = await rig.lab.connect(RIG_USERS.alice);
    // Long enough for a reconciliation (every 2 s here) to learn ocserv's session id, and for a non-zero duration.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await client.stop();

    const [end] = await endOf('alice');
    const lifecycle = lifecycleOf(events(), 'alice');
    expect(lifecycle.map((event) => event.method)).toEqual(['ReportConnect', 'ReportDisconnect']);
    const [connect] = lifecycle;
    expect(connect?.sessionId).toMatch(/^\d+$/);
    expect(connect?.request).toMatchObject({ client_ip: '127.0.0.1', vpn_ip: client.vpnIp });
    expect(end).toMatchObject({ sessionId: connect?.sessionId, reason: 'DISCONNECT_REASON_USER_INITIATED' });
    expect(end?.metadata).toMatchObject({ ocserv_reason: 'user disconnected', stats_source: 'script', reason_source: 'ocserv' });
    expect(end?.metadata['reported_by']?.split(',').sort()).toEqual(['hook', 'occtl-event']);
    expect(end?.metadata['ocserv_session']).toMatch(/^\S+$/);
    expect(end?.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(end?.eventId).not.toBe(connect?.eventId);
    // The counters are ocserv's own (no traffic goes into a lab tunnel, so they are what ocserv logged).
    const logged = /main\[alice\]:\S+ user disconnected \(reason: [^,]+, rx: (\d+), tx: (\d+)\)/.exec(rig.lab.readLog());
    expect(end?.stats).toMatchObject({ bytes_received: Number(logged?.[1]), bytes_sent: Number(logged?.[2]) });
    expect(end?.stats?.duration_seconds).toBeGreaterThanOrEqual(2);
  });

  it('reports DisconnectUser as ADMIN_FORCED', async () => {
    const client = await rig.lab.connect(RIG_USERS.frank);
    const operator = rig.agent().clientAs(TEST_IDENTITIES.operator);

    await operator.unary(operator.vpn, 'DisconnectUser', { username: 'frank', reason: 'maintenance', disconnect_all_sessions: true });
    await client.exited;

    const [end] = await endOf('frank');
    expect(end).toMatchObject({ reason: 'DISCONNECT_REASON_ADMIN_FORCED' });
    expect(end?.metadata).toMatchObject({ agent_intent: 'ADMIN_FORCED', reason_source: 'agent' });
    expect(end?.metadata['agent_detail']).toContain('maintenance');
    expect(lifecycleOf(events(), 'frank').map((event) => event.method)).toEqual(['ReportConnect', 'ReportDisconnect']);
  });

  it('delivers what happened during a portal outage: 20 sessions, each connect before its end, with counters', async () => {
    await startAgent({ authorization: { fail_mode: 'open' } });
    await rig.portal.simulator.outage();
    try {
      for (let round = 0; round < 4; round += 1) {
        const clients = await Promise.all([0, 1, 2, 3, 4].map(() => rig.lab.connect(RIG_USERS.judy)));
        await Promise.all(clients.map((client) => client.stop()));
      }
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 300));
    } finally {
      await rig.portal.simulator.restart();
    }

    const judy = await eventually(
      () => lifecycleOf(events(), 'judy'),
      (found) => found.filter((event) => event.method === 'ReportDisconnect').length >= 20,
      30_000,
    );
    const connects = judy.filter((event) => event.method === 'ReportConnect');
    const ends = judy.filter((event) => event.method === 'ReportDisconnect');
    expect(connects).toHaveLength(20);
    expect(ends).toHaveLength(20);
    expect(new Set(connects.map((event) => event.sessionId)).size).toBe(20);
    for (const connect of connects) {
      const own = judy.filter((event) => event.sessionId === connect.sessionId).map((event) => event.method);
      expect(own).toEqual(['ReportConnect', 'ReportDisconnect']);
    }
    for (const end of ends) {
      expect(end.reason).toBe('DISCONNECT_REASON_USER_INITIATED');
      expect(end.metadata['stats_source']).toBe('script');
    }
    // Repeats (a call the portal saw but whose answer the agent missed) carry an event_id it already had.
    const judyIds = new Set(judy.map((event) => event.eventId));
    const repeats = rig.portal.simulator.events.filter((record) => record.duplicate === true);
    for (const repeat of repeats) expect(judyIds.has(String((repeat.request['metadata'] as Record<string, string>)['event_id']))).toBe(true);
    await startAgent();
  });

  it('ends a session whose ValidateSession turns invalid within one interval, refuses it back, and reports POLICY_VIOLATION', async () => {
    await startAgent({ revalidation: { enabled: true, interval_seconds: REVALIDATION_INTERVAL_S, call_timeout_ms: 800 } });
    const client = await rig.lab.connect(RIG_USERS.erin);
    await eventually(() => lifecycleOf(events(), 'erin'), (found) => found.length === 1);

    const revokedAt = Date.now();
    rig.portal.simulator.setPolicy(testPolicy(TEST_POLICY_YAML.replace('users:\n', 'users:\n  erin: { allow: false, deny_reason: "revoked" }\n')));
    try {
      await client.exited;
      const endedAfterMs = Date.now() - revokedAt;
      expect(endedAfterMs).toBeLessThan(REVALIDATION_INTERVAL_S * 1000 + 2000);
      await expect(rig.lab.connect(RIG_USERS.erin)).rejects.toBeInstanceOf(VpnClientRefused);

      const [end] = await endOf('erin');
      expect(end).toMatchObject({ reason: 'DISCONNECT_REASON_POLICY_VIOLATION' });
      expect(end?.metadata).toMatchObject({ agent_intent: 'POLICY_VIOLATION', reason_source: 'agent' });
      expect(end?.metadata['agent_detail']).toBe('portal ValidateSession: revoked');
    } finally {
      rig.portal.simulator.setPolicy(testPolicy(TEST_POLICY_YAML));
      await startAgent();
    }
  });

  it('reports the sessions of a stopped ocserv as SERVER_SHUTDOWN', async () => {
    const client = await rig.lab.connect(RIG_USERS.heidi);
    await eventually(() => lifecycleOf(events(), 'heidi'), (found) => found.length === 1);

    await rig.lab.stopServer();
    try {
      const [end] = await endOf('heidi');
      expect(end).toMatchObject({ reason: 'DISCONNECT_REASON_SERVER_SHUTDOWN' });
      expect(['ocserv-stopped', 'ocserv-restarted']).toContain(end?.metadata['reason_source']);
    } finally {
      await client.stop();
      await rig.lab.startServer();
    }
  });

});
