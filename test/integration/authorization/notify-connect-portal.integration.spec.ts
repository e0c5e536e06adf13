import { status as GrpcStatus } from '@grpc/grpc-js';
import type { GetActiveSessionsResponse, NotifyConnectRequest, NotifyConnectResponse } from '../../../src/generated/agent/v1/agent';
import type { AgentClients, GrpcError } from '../../support/agent-clients';
import { agentPortalTls, startPortalSimulator, testPolicy, type TestPortal } from '../../support/portal-sim';
import { startTestAgent, TEST_IDENTITIES, type TestAgent } from '../../support/test-agent';
import { createTestPki } from '../../support/test-pki';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * NotifyConnect over mTLS against the real agent in portal mode, asking the real
 * portal simulator over mTLS: the metadata byte budget (issue 9 finding 4), the
 * device in the decision key (finding 5), and the deny reason callers get when the
 * portal is down or hangs (finding 13).
 */

jest.setTimeout(60_000);

const POLICY_YAML = [
  'default: { allow: false, deny_reason: "not in policy" }',
  'users:',
  '  alice: { allow: true, routes: ["10.10.0.0/16"] }',
  'devices:',
  '  laptop-b: { allow: false, deny_reason: "device blocked" }',
  '',
].join('\n');

const TOTAL_METADATA_BYTES = 64 * 1024;

describe('NotifyConnect against the portal simulator (real gRPC over mTLS both ways)', () => {
  let dir: string;
  let portal: TestPortal;
  let agent: TestAgent;
  let operator: AgentClients;
  let sequence = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'notify-connect-portal-'));
    const pki = createTestPki(dir);
    portal = await startPortalSimulator(testPolicy(POLICY_YAML), { pki });
    agent = await startTestAgent({
      session: { max_total_metadata_bytes: TOTAL_METADATA_BYTES },
      authorization: { mode: 'portal', fail_mode: 'close', decision_timeout_ms: 1000 },
      portal: {
        address: portal.simulator.address,
        tls: agentPortalTls(pki),
        call_timeout_ms: 800,
        reconnect_backoff_initial_ms: 100,
        reconnect_backoff_max_ms: 500,
      },
    });
    operator = agent.clientAs(TEST_IDENTITIES.operator);
  });

  afterAll(async () => {
    await agent?.stop();
    await portal?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    portal.simulator.setHang(false);
    if (portal.simulator.state.outage) await portal.simulator.restart();
    portal.simulator.resetRecords();
  });

  function request(overrides: Partial<NotifyConnectRequest> = {}): Partial<NotifyConnectRequest> {
    sequence += 1;
    return { username: 'alice', client_ip: '198.51.100.10', session_id: `s${sequence}`, device_id: 'laptop-a', ...overrides };
  }

  const connect = (body: Partial<NotifyConnectRequest>) => operator.unary<NotifyConnectResponse>(operator.vpn, 'NotifyConnect', body);
  const sessionIds = async () =>
    (await operator.unary<GetActiveSessionsResponse>(operator.vpn, 'GetActiveSessions', { username_filter: '' })).sessions.map((s) => s.session_id);
  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: GrpcError) => error);

  /** What NotifyConnect accepts at most: 32 entries, 64-character keys, 2,048-character values (~70 KB held). */
  function maximalMetadata(tag: string): Record<string, string> {
    return Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`${tag}${i}`.padEnd(64, 'k'), 'v'.repeat(2048)]));
  }

  describe('metadata byte budget (finding 4)', () => {
    it('refuses the largest metadata NotifyConnect accepts with INVALID_ARGUMENT, asks no portal and stores nothing', async () => {
      const before = await sessionIds();

      const error = await rejection(connect(request({ metadata: maximalMetadata('m') })));

      expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(error?.details).toContain('session.max_metadata_bytes');
      expect(portal.simulator.calls).toHaveLength(0);
      expect(await sessionIds()).toEqual(before);
    });

    it('refuses a session past the total budget with RESOURCE_EXHAUSTED and keeps the store as it was', async () => {
      // Exactly the default 4 KiB per session (two entries of 96 + 16 + 3 + 16 + 1,917 bytes): 16 fill 64 KiB.
      const fits = { ua0: 'u'.repeat(1917), ua1: 'u'.repeat(1917) };
      let stored = 0;
      let refused: GrpcError | undefined;
      for (let i = 0; i < 20 && refused === undefined; i += 1) {
        refused = await rejection(connect(request({ metadata: fits })));
        if (refused === undefined) stored += 1;
      }
      const before = await sessionIds();
      const callsBefore = portal.simulator.calls.length;

      const error = await rejection(connect(request({ metadata: fits })));

      expect(stored).toBe(Math.floor(TOTAL_METADATA_BYTES / 4096));
      expect(refused?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      expect(error?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      expect(error?.details).toContain('session.max_total_metadata_bytes');
      expect(await sessionIds()).toEqual(before);
      expect(portal.simulator.calls).toHaveLength(callsBefore);
      // Without metadata a session still gets in: the budget bounds bytes, not logins.
      await expect(connect(request({ metadata: {} }))).resolves.toMatchObject({ allowed: true });
    });
  });

  describe('the decision key includes the device (finding 5)', () => {
    it('a device the portal blocks is asked about and denied, though the same user, group and IP were just allowed from another', async () => {
      const fromA = await connect(request({ username: 'alice', client_ip: '198.51.100.20', device_id: 'laptop-a' }));
      const fromB = await connect(request({ username: 'alice', client_ip: '198.51.100.20', device_id: 'laptop-b' }));
      const againFromA = await connect(request({ username: 'alice', client_ip: '198.51.100.20', device_id: 'laptop-a' }));

      expect(fromA).toMatchObject({ allowed: true });
      expect(fromB).toMatchObject({ allowed: false, deny_reason: 'device blocked' });
      expect(againFromA).toMatchObject({ allowed: true });
      // laptop-a's second connect came from the cache; laptop-b's was asked.
      expect(portal.simulator.calls.map((call) => (call.request as { device: string }).device)).toEqual(['laptop-a', 'laptop-b']);
    });
  });

  /** After an outage the agent's channel reconnects with backoff; wait until a question gets through. */
  async function portalAnswersAgain(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const answer = await connect(request({ username: 'alice', client_ip: '198.51.100.99', device_id: `probe${attempt}` }));
      if (answer.allowed) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the agent did not reach the portal simulator again');
  }

  describe('the deny reason when the portal cannot decide (finding 13)', () => {
    it('an outage: the caller gets "portal unreachable; fail mode close", the grpc-js detail stays in the log', async () => {
      await portal.simulator.outage();

      const response = await connect(request({ username: 'alice', client_ip: '198.51.100.31' }));

      expect(response).toMatchObject({ allowed: false, deny_reason: 'portal unreachable; fail mode close' });
      expect(response.deny_reason).not.toMatch(/ECONNREFUSED|UNAVAILABLE|127\.0\.0\.1/);
      const logged = agent.logs.lines.find((line) => line.msg === 'connection decided' && line.client_ip === '198.51.100.31');
      expect(logged).toMatchObject({ deny_reason: 'portal unreachable; fail mode close' });
      expect(String(logged?.portal_failure)).toMatch(/UNAVAILABLE/);
    });

    it('a hanging portal: the caller gets "portal timed out; fail mode close"', async () => {
      await portalAnswersAgain();
      portal.simulator.setHang(true);

      const response = await connect(request({ username: 'alice', client_ip: '198.51.100.32' }));

      expect(response).toMatchObject({ allowed: false, deny_reason: 'portal timed out; fail mode close' });
      const logged = agent.logs.lines.find((line) => line.msg === 'connection decided' && line.client_ip === '198.51.100.32');
      expect(String(logged?.portal_failure)).toMatch(/timed out|decision budget|DEADLINE_EXCEEDED/);
    });
  });
});
