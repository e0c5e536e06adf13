import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NotifyConnectRequest, NotifyConnectResponse } from '../../../src/generated/agent/v1/agent';
import type { AgentClients } from '../../support/agent-clients';
import { agentPortalTls, startPortalSimulator, testPolicy, type TestPortal } from '../../support/portal-sim';
import { startTestAgent, TEST_IDENTITIES, type TestAgent } from '../../support/test-agent';
import { createTestPki, type TestPki } from '../../support/test-pki';
import { metricValue } from './authorization-metrics';

/*
 * Issue 14: the agent's own queue towards the portal, over real gRPC/mTLS both ways
 * (NotifyConnect into the real agent in portal mode, CheckPolicy out to the real
 * portal simulator). A slow but answering portal behind a small concurrency limit:
 * the wait is the agent's, so the breaker stays closed. A hanging portal: every
 * decision is a fail-close within the budget and the breaker opens.
 */

jest.setTimeout(60_000);

const POLICY_YAML = 'default: { allow: true }\n';
const DECISION_TIMEOUT_MS = 1_000;
const CALL_TIMEOUT_MS = 800;
const MAX_CONCURRENT = 2;
const LATENCY_MS = 400;
/** Scheduling slack on a loaded machine for "within the budget". */
const SLACK_MS = 400;

describe('the portal call queue (real agent, real portal simulator, mTLS)', () => {
  let dir: string;
  let pki: TestPki;
  let portal: TestPortal;
  let agent: TestAgent | undefined;
  let operator: AgentClients;
  let sequence = 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portal-queue-'));
    pki = createTestPki(dir);
  });

  beforeEach(async () => {
    portal = await startPortalSimulator(testPolicy(POLICY_YAML), { pki });
  });

  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await portal.stop();
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function startAgent(portalOverrides: Record<string, unknown>): Promise<void> {
    agent = await startTestAgent({
      authorization: { mode: 'portal', fail_mode: 'close', decision_timeout_ms: DECISION_TIMEOUT_MS },
      portal: {
        address: portal.simulator.address,
        tls: agentPortalTls(pki),
        call_timeout_ms: CALL_TIMEOUT_MS,
        breaker: { volume_threshold: 5, error_threshold_percent: 50 },
        ...portalOverrides,
      },
    });
    operator = agent.clientAs(TEST_IDENTITIES.operator);
  }

  /** n NotifyConnect for distinct new users at once; each answer with how long it took. */
  function storm(n: number): Promise<Array<NotifyConnectResponse & { ms: number }>> {
    return Promise.all(
      Array.from({ length: n }, async () => {
        sequence += 1;
        const body: Partial<NotifyConnectRequest> = { username: `u${sequence}`, client_ip: '198.51.100.10', session_id: `s${sequence}`, device_id: 'd' };
        const started = Date.now();
        const answer = await operator.unary<NotifyConnectResponse>(operator.vpn, 'NotifyConnect', body);
        return { ...answer, ms: Date.now() - started };
      }),
    );
  }

  const metric = (name: string) => metricValue(agent as TestAgent, name);

  it('sends at most max_concurrent_calls at once; calls whose budget the wait used up leave unsent; the breaker stays closed', async () => {
    await startAgent({ max_concurrent_calls: MAX_CONCURRENT });
    portal.simulator.setLatencyMs(LATENCY_MS);

    const answers = await storm(8);

    // Slots: 2 sent at 0 (answered 400), 2 at 400 (answered 800), 2 at 800 (answered 1,200: over the
    // 1,000 ms budget), 2 still queued at 1,000: never sent.
    const allowed = answers.filter((answer) => answer.allowed);
    const denied = answers.filter((answer) => !answer.allowed);
    expect(allowed).toHaveLength(4);
    expect(denied.map((answer) => answer.deny_reason).sort()).toEqual([
      'agent portal queue wait over budget; fail mode close',
      'agent portal queue wait over budget; fail mode close',
      'portal timed out; fail mode close',
      'portal timed out; fail mode close',
    ]);
    for (const answer of denied) expect(answer.ms).toBeLessThan(DECISION_TIMEOUT_MS + SLACK_MS);
    const received = portal.simulator.calls.filter((call) => call.method === 'CheckPolicy').map((call) => call.receivedAtMs);
    expect(received).toHaveLength(6);
    const first = Math.min(...received);
    // Never more than two on the wire: the third and fourth arrive one latency after the first two.
    expect(received.filter((at) => at < first + LATENCY_MS / 2)).toHaveLength(MAX_CONCURRENT);
    expect(await metric('ocserv_agent_portal_breaker_state')).toBe(0);
    expect(await metric('ocserv_agent_portal_check_policy_total{outcome="failed"}')).toBeUndefined();
    expect(await metric('ocserv_agent_portal_check_policy_total{outcome="queue_timeout"}')).toBe(2);
  });

  it('a hanging portal: the whole storm is denied by fail-close within the budget and the breaker opens', async () => {
    await startAgent({});
    portal.simulator.setHang(true);

    const answers = await storm(40);

    expect(answers.every((answer) => !answer.allowed)).toBe(true);
    expect(Math.max(...answers.map((answer) => answer.ms))).toBeLessThan(DECISION_TIMEOUT_MS + SLACK_MS);
    expect(await metric('ocserv_agent_portal_check_policy_total{outcome="failed"}')).toBeGreaterThanOrEqual(5);
    expect(await metric('ocserv_agent_portal_breaker_state')).toBe(2);
    expect(await metric('ocserv_agent_authorization_decisions_total{source="fail-close",allowed="false"}')).toBe(40);
  });

  it('the portal channel is connected at boot, before any decision', async () => {
    await startAgent({});

    const deadline = Date.now() + 5_000;
    while ((await metric('ocserv_agent_portal_channel_state')) !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    expect(await metric('ocserv_agent_portal_channel_state')).toBe(2);
    expect(portal.simulator.calls).toHaveLength(0);
  });
});
