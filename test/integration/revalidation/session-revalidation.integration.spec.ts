import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NotifyConnectRequest, NotifyConnectResponse } from '../../../src/generated/agent/v1/agent';
import type { AgentClients } from '../../support/agent-clients';
import { agentPortalTls, startPortalSimulator, testPolicy, type TestPortal } from '../../support/portal-sim';
import { startTestAgent, TEST_IDENTITIES, type TestAgent } from '../../support/test-agent';
import { createTestPki } from '../../support/test-pki';

/*
 * The whole agent booted with revalidation on and portal mode (one AuthService client for
 * CheckPolicy and ValidateSession), a session admitted by NotifyConnect, and the real portal
 * simulator over mTLS revoking it. No ocserv here: ending a session on a real ocserv is proved
 * in test/integration/session-events/session-events-ocserv.integration.spec.ts.
 */

jest.setTimeout(60_000);

const POLICY_YAML = ['default: { allow: false, deny_reason: "not in policy" }', 'users:', '  alice: { allow: true }', ''].join('\n');
const REVOKED_YAML = ['default: { allow: false, deny_reason: "not in policy" }', 'users:', '  alice: { allow: false, deny_reason: "revoked" }', ''].join('\n');
const WAIT_MS = 10_000;

describe('session revalidation in the running agent (real gRPC over mTLS both ways)', () => {
  let dir: string;
  let portal: TestPortal;
  let agent: TestAgent;
  let operator: AgentClients;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revalidation-'));
    const pki = createTestPki(dir);
    portal = await startPortalSimulator(testPolicy(POLICY_YAML), { pki });
    agent = await startTestAgent({
      authorization: { mode: 'portal', fail_mode: 'close' },
      revalidation: { enabled: true, interval_seconds: 1, call_timeout_ms: 1_000 },
      portal: { address: portal.simulator.address, tls: agentPortalTls(pki), reconnect_backoff_initial_ms: 100, reconnect_backoff_max_ms: 500 },
    });
    operator = agent.clientAs(TEST_IDENTITIES.operator);
  });

  afterAll(async () => {
    await agent?.stop();
    await portal?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const connect = (body: Partial<NotifyConnectRequest>): Promise<NotifyConnectResponse> =>
    operator.unary<NotifyConnectResponse>(operator.vpn, 'NotifyConnect', body);

  async function metric(name: string, labels = ''): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${agent.agent.httpPort}/metrics`)).text();
    const series = labels === '' ? name : `${name}{${labels}}`;
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.slice(series.length + 1));
  }

  async function eventually(check: () => Promise<boolean> | boolean): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`not within ${WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('asks the portal about a live session every interval, as the same client as CheckPolicy', async () => {
    await expect(connect({ username: 'alice', client_ip: '198.51.100.10', session_id: 'reval-1' })).resolves.toMatchObject({ allowed: true });

    await eventually(() => portal.simulator.sessionValidations.filter((call) => call.request['session_id'] === 'reval-1').length >= 2);

    const validation = portal.simulator.sessionValidations.find((call) => call.request['session_id'] === 'reval-1');
    expect(validation?.request).toMatchObject({ username: 'alice', client_ip: '198.51.100.10' });
    expect(validation?.callerCn).toBe(portal.simulator.calls[0]?.callerCn);
    expect(await metric('ocserv_agent_revalidation_validations_total', 'outcome="valid"')).toBeGreaterThanOrEqual(2);
  });

  it("drops the revoked user's cached decision, so the next connect asks the portal and is refused", async () => {
    portal.simulator.setPolicy(testPolicy(REVOKED_YAML));

    await eventually(async () => (await metric('ocserv_agent_revalidation_validations_total', 'outcome="invalid"')) >= 1);
    const asked = portal.simulator.callCount('CheckPolicy');

    // Within the decision cache's fresh TTL: without the invalidation this would be a cache hit.
    await expect(connect({ username: 'alice', client_ip: '198.51.100.10', session_id: 'reval-2' })).resolves.toMatchObject({
      allowed: false,
      deny_reason: 'revoked',
    });
    expect(portal.simulator.callCount('CheckPolicy')).toBe(asked + 1);
    // No ocserv here: "reval-1" is no worker of one, so there is nothing to disconnect (the real-ocserv suite ends one).
    expect(await metric('ocserv_agent_revalidation_session_end_failures_total')).toBe(0);
  });
});
