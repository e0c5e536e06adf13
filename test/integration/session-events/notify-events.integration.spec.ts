import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  NotifyConnectRequest,
  NotifyConnectResponse,
  NotifyDisconnectRequest,
  NotifyDisconnectResponse,
} from '../../../src/generated/agent/v1/agent';
import type { AgentClients } from '../../support/agent-clients';
import { agentPortalTls, startPortalSimulator, testPolicy, type TestPortal } from '../../support/portal-sim';
import { until } from '../../support/session-events/delivery-rig';
import { allPortalEvents, type PortalEvent } from '../../support/session-events-records';
import { startTestAgent, TEST_IDENTITIES, type TestAgent } from '../../support/test-agent';
import { createTestPki } from '../../support/test-pki';

/*
 * NotifyConnect / NotifyDisconnect -> session events, in the whole agent: portal mode (the
 * connect is decided by CheckPolicy), events on with the SQLite outbox in a temp dir, the
 * real portal simulator over mTLS both ways. No ocserv (ocserv.sync_sessions false): the
 * sessions exist only because the caller said so.
 */

jest.setTimeout(60_000);

const POLICY_YAML = ['default: { allow: false, deny_reason: "not in policy" }', 'users:', '  alice: { allow: true }', ''].join('\n');
const SETTLE_MS = 200;
const DELIVERY_TIMEOUT_MS = 10_000;
/**
 * How long "nothing more arrives" is watched for once the expected events are in: the settle
 * window, the producer's longest hold of an unexplained end (3 s) and a margin.
 */
const QUIET_MS = SETTLE_MS + 3_000 + 500;

describe('NotifyConnect / NotifyDisconnect reported to the portal (real gRPC over mTLS both ways, SQLite outbox)', () => {
  let dir: string;
  let portal: TestPortal;
  let agent: TestAgent;
  let operator: AgentClients;
  let sequence = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'notify-events-'));
    const pki = createTestPki(dir);
    portal = await startPortalSimulator(testPolicy(POLICY_YAML), { pki });
    agent = await startTestAgent({
      authorization: { mode: 'portal', fail_mode: 'close' },
      portal: { address: portal.simulator.address, tls: agentPortalTls(pki), reconnect_backoff_initial_ms: 100, reconnect_backoff_max_ms: 500 },
      events: {
        enabled: true,
        outbox_path: join(dir, 'events.db'),
        disconnect_settle_ms: SETTLE_MS,
        update_interval_seconds: 0,
        retry_initial_ms: 50,
        retry_max_ms: 500,
      },
    });
    operator = agent.clientAs(TEST_IDENTITIES.operator);
  });

  afterAll(async () => {
    await agent?.stop();
    await portal?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** A session id of its own for each test. */
  function aSessionId(): string {
    sequence += 1;
    return `notify-${sequence}`;
  }

  const connect = (body: Partial<NotifyConnectRequest>): Promise<NotifyConnectResponse> =>
    operator.unary<NotifyConnectResponse>(operator.vpn, 'NotifyConnect', { client_ip: '198.51.100.10', device_id: 'laptop-a', ...body });

  const disconnect = (body: Partial<NotifyDisconnectRequest>): Promise<NotifyDisconnectResponse> =>
    operator.unary<NotifyDisconnectResponse>(operator.vpn, 'NotifyDisconnect', body);

  /** Every event the portal received for the session, re-sends included, oldest first. */
  const eventsOf = (sessionId: string): PortalEvent[] => allPortalEvents(portal.simulator).filter((event) => event.sessionId === sessionId);

  const methodsOf = (sessionId: string): string[] => eventsOf(sessionId).map((event) => event.method);

  async function delivered(sessionId: string, method: PortalEvent['method']): Promise<void> {
    await until(() => methodsOf(sessionId).includes(method), DELIVERY_TIMEOUT_MS, `${method} of ${sessionId}`);
  }

  const quiet = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, QUIET_MS));

  describe('a session that connects and disconnects', () => {
    const COUNTERS = { bytes_in: 5_000, bytes_out: 7_000, duration_seconds: 64 };
    let sessionId: string;
    let end: PortalEvent | undefined;

    beforeAll(async () => {
      sessionId = aSessionId();
      await expect(connect({ username: 'alice', session_id: sessionId })).resolves.toMatchObject({ allowed: true });
      await disconnect({ username: 'alice', session_id: sessionId, disconnect_reason: 'user logged out', ...COUNTERS });
      await delivered(sessionId, 'ReportDisconnect');
      await quiet();
      end = eventsOf(sessionId).find((event) => event.method === 'ReportDisconnect');
    });

    it('is reported once: one ReportConnect, then one ReportDisconnect', () => {
      expect(methodsOf(sessionId)).toEqual(['ReportConnect', 'ReportDisconnect']);
    });

    it('reports the connect as the caller gave it', () => {
      expect(eventsOf(sessionId)[0]).toMatchObject({ method: 'ReportConnect', username: 'alice', metadata: { reported_by: 'notify' } });
    });

    it("carries the caller's counters as the script's", () => {
      expect(end?.stats).toMatchObject({ duration_seconds: 64, bytes_received: 5_000, bytes_sent: 7_000 });
      expect(end?.metadata).toMatchObject({ stats_source: 'script', reported_by: 'notify' });
    });

    it("keeps the caller's text as caller_reason, not as a reason", () => {
      expect(end?.reason).toBe('DISCONNECT_REASON_UNSPECIFIED');
      expect(end?.metadata).toMatchObject({ caller_reason: 'user logged out', reason_source: 'none' });
    });
  });

  it('adds nothing for a repeated NotifyConnect or NotifyDisconnect of the same session', async () => {
    const sessionId = aSessionId();

    await connect({ username: 'alice', session_id: sessionId });
    await connect({ username: 'alice', session_id: sessionId });
    await delivered(sessionId, 'ReportConnect');
    await disconnect({ username: 'alice', session_id: sessionId, disconnect_reason: 'bye', bytes_in: 1, bytes_out: 2 });
    await disconnect({ username: 'alice', session_id: sessionId, disconnect_reason: 'bye', bytes_in: 1, bytes_out: 2 });
    await delivered(sessionId, 'ReportDisconnect');
    await quiet();

    expect(methodsOf(sessionId)).toEqual(['ReportConnect', 'ReportDisconnect']);
  });

  it('reports nothing for a denied NotifyConnect, nor for its NotifyDisconnect', async () => {
    const denied = aSessionId();
    const allowed = aSessionId();

    await expect(connect({ username: 'mallory', session_id: denied })).resolves.toMatchObject({ allowed: false });
    await disconnect({ username: 'mallory', session_id: denied, disconnect_reason: 'refused', bytes_in: 1, bytes_out: 1 });
    // A session allowed after it: once its connect is in, the denied one had every chance to be reported.
    await connect({ username: 'alice', session_id: allowed });
    await delivered(allowed, 'ReportConnect');
    await quiet();

    expect(eventsOf(denied)).toEqual([]);
  });
});
