import { SystemClock } from '../../../src/clock/clock';
import { MetricsRegistry } from '../../../src/metrics/metrics-registry';
import { GrpcPolicyChecker } from '../../../src/portal/grpc-policy-checker';
import { GrpcSessionValidator } from '../../../src/portal/grpc-session-validator';
import { PortalAuthConnection } from '../../../src/portal/portal-auth-connection';
import { PortalFailure, PortalFailureKind } from '../../../src/portal/portal-failure';
import { PortalMetrics } from '../../../src/portal/portal-metrics';
import type { SessionVerdict } from '../../../src/portal/session-validator';
import { agentPortalTls, startPortalSimulator, testPolicy, type TestPortal } from '../../support/portal-sim';
import { anAgentConfig, configServiceFor } from '../../unit/builders/agent-config.builder';
import { agentErrorFromAsync } from '../../unit/builders/caught-error';
import { aPolicyQuery } from '../../unit/builders/policy-verdict.builder';
import { aSessionQuery } from '../../unit/builders/session-verdict.builder';

/*
 * ValidateSession as the agent sends it: the real AuthService client over mutual TLS
 * (the agent's portal client certificate, the portal's CA, SNI localhost) to the real
 * portal simulator, which answers from its policy (valid when the policy allows the user).
 */

jest.setTimeout(30_000);

const CALL_TIMEOUT_MS = 2_000;
const AGENT_PORTAL_CN = 'ocserv-agent-portal-client';

const REVOKED_POLICY_YAML = [
  'default: { allow: false, deny_reason: "not in policy" }',
  'users:',
  '  alice: { allow: false, deny_reason: "revoked by the security team" }',
  '',
].join('\n');

describe(GrpcSessionValidator.name, () => {
  let portal: TestPortal;
  let connection: PortalAuthConnection;
  let sut: GrpcSessionValidator;

  beforeAll(async () => {
    portal = await startPortalSimulator();
    const config = anAgentConfig({
      revalidation: { enabled: true },
      portal: {
        address: portal.simulator.address,
        tls: agentPortalTls(portal.pki),
        reconnect_backoff_initial_ms: 100,
        reconnect_backoff_max_ms: 200,
      },
    });
    connection = new PortalAuthConnection(configServiceFor(config), new PortalMetrics(new MetricsRegistry()));
    sut = new GrpcSessionValidator(connection.client, new SystemClock());
    connection.onModuleInit();
  });

  afterAll(async () => {
    connection?.onModuleDestroy();
    await portal?.stop();
  });

  afterEach(async () => {
    portal.simulator.setPolicy(testPolicy());
    portal.simulator.setHang(false);
    if (portal.simulator.state.outage) await portal.simulator.restart();
    portal.simulator.resetRecords();
  });

  /** After an outage the channel reconnects with backoff: ask until the portal answers. */
  async function validateOnceReachable(): Promise<SessionVerdict> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        return await sut.validate(aSessionQuery(), CALL_TIMEOUT_MS);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  it('is valid for a user the policy allows', async () => {
    await expect(sut.validate(aSessionQuery({ username: 'alice' }), CALL_TIMEOUT_MS)).resolves.toEqual({
      valid: true,
      invalidReason: '',
      forceDisconnect: false,
    });
  });

  it("is invalid, with the policy's reason and force_disconnect, for a user the policy denies", async () => {
    await expect(sut.validate(aSessionQuery({ username: 'bob', sessionId: 'sess-bob-1' }), CALL_TIMEOUT_MS)).resolves.toEqual({
      valid: false,
      invalidReason: 'account suspended',
      forceDisconnect: true,
    });
  });

  it("sends the session's username, id and client IP with a request time, as the agent's certificate", async () => {
    const before = Date.now();

    await sut.validate(aSessionQuery({ username: 'alice', sessionId: 'sess-42', clientIp: '203.0.113.42' }), CALL_TIMEOUT_MS);

    const [record] = portal.simulator.sessionValidations;
    expect(record?.callerCn).toBe(AGENT_PORTAL_CN);
    expect(record?.request).toMatchObject({ username: 'alice', session_id: 'sess-42', client_ip: '203.0.113.42' });
    const sentAtMs = Number((record?.request['request_time'] as { seconds: number }).seconds) * 1000;
    expect(sentAtMs).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(sentAtMs).toBeLessThanOrEqual(Date.now());
  });

  it('flips to invalid once the portal revokes the user, and back once it allows them again', async () => {
    await expect(sut.validate(aSessionQuery(), CALL_TIMEOUT_MS)).resolves.toMatchObject({ valid: true });

    portal.simulator.setPolicy(testPolicy(REVOKED_POLICY_YAML));
    await expect(sut.validate(aSessionQuery(), CALL_TIMEOUT_MS)).resolves.toEqual({
      valid: false,
      invalidReason: 'revoked by the security team',
      forceDisconnect: true,
    });

    portal.simulator.setPolicy(testPolicy());
    await expect(sut.validate(aSessionQuery(), CALL_TIMEOUT_MS)).resolves.toMatchObject({ valid: true });
  });

  it('serves CheckPolicy over the same client (PortalAuthConnection shares it)', async () => {
    const checker = new GrpcPolicyChecker(connection.client, new SystemClock());

    await expect(checker.check(aPolicyQuery({ username: 'alice' }), CALL_TIMEOUT_MS)).resolves.toMatchObject({ allowed: true });
    await expect(sut.validate(aSessionQuery(), CALL_TIMEOUT_MS)).resolves.toMatchObject({ valid: true });

    expect(portal.simulator.callCounts()).toMatchObject({ CheckPolicy: 1, ValidateSession: 1 });
  });

  describe('when the portal is out', () => {
    it('rejects with PortalFailure Unreachable', async () => {
      await portal.simulator.outage();

      const error = await agentErrorFromAsync(sut.validate(aSessionQuery(), CALL_TIMEOUT_MS));

      expect(error).toBeInstanceOf(PortalFailure);
      expect((error as PortalFailure).kind).toBe(PortalFailureKind.Unreachable);
      expect(error.message).toMatch(/^portal ValidateSession failed: UNAVAILABLE: /);
    });

    it('answers again once the portal is back', async () => {
      await portal.simulator.outage();
      await agentErrorFromAsync(sut.validate(aSessionQuery(), CALL_TIMEOUT_MS));

      await portal.simulator.restart();

      await expect(validateOnceReachable()).resolves.toMatchObject({ valid: true });
    });
  });

  it('rejects with PortalFailure TimedOut when the portal does not answer within the deadline', async () => {
    portal.simulator.setHang(true);

    const error = await agentErrorFromAsync(sut.validate(aSessionQuery(), 300));

    expect((error as PortalFailure).kind).toBe(PortalFailureKind.TimedOut);
    expect(error.message).toMatch(/^portal ValidateSession failed: DEADLINE_EXCEEDED: /);
  });
});
