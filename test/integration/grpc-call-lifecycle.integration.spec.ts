import { status as GrpcStatus } from '@grpc/grpc-js';
import request from 'supertest';
import type { App } from 'supertest/types';
import type { AgentClients, GrpcError } from '../support/agent-clients';
import { startTestAgent, TestAgent, TEST_IDENTITIES } from '../support/test-agent';

/** What every call gets regardless of method: deadlines, logs, health, metrics, error shape. */
describe('gRPC call lifecycle', () => {
  let sut: TestAgent;
  let admin: AgentClients;
  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: GrpcError) => error);

  beforeAll(async () => {
    // debug: health-check calls log their line at debug level
    sut = await startTestAgent({ log: { level: 'debug' } });
    admin = sut.clientAs(TEST_IDENTITIES.admin);
    await admin.waitForReady();
  });

  afterAll(async () => {
    await sut.stop();
  });

  it('answers a 1 ms deadline with DEADLINE_EXCEEDED and keeps serving', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        rejection(
          admin.unary(admin.vpn, 'NotifyConnect', { username: `late${i}`, client_ip: '192.0.2.9', session_id: `late${i}` }, { deadlineMs: 1 }),
        ),
      ),
    );
    const codes = results.map((error) => error?.code);
    expect(codes.every((code) => code === GrpcStatus.DEADLINE_EXCEEDED)).toBe(true);
    const after = await admin.unary<{ total_count: number }>(admin.vpn, 'GetActiveSessions', {});
    expect(after.total_count).toBeGreaterThanOrEqual(0);
    const health = await admin.unary<{ status: string }>(admin.health, 'Check', { service: '' });
    expect(health.status).toBe('SERVING');
  });

  it('reports SERVING on grpc.health.v1 for the server and its services', async () => {
    for (const service of ['', 'agent.v1.VPNAgentService', 'agent.v1.AgentService']) {
      await expect(admin.unary(admin.health, 'Check', { service })).resolves.toEqual({ status: 'SERVING' });
    }
  });

  it('answers NOT_FOUND for a service it does not serve, as the health protocol says', async () => {
    const error = await rejection(admin.unary(admin.health, 'Check', { service: 'no.such.Service' }));
    expect(error?.code).toBe(GrpcStatus.NOT_FOUND);
  });

  it('lets a certificate with no role use the health service', async () => {
    const stranger = sut.clientAs(TEST_IDENTITIES.stranger);
    await expect(stranger.unary(stranger.health, 'Check', { service: '' })).resolves.toEqual({ status: 'SERVING' });
  });

  it('stops a server stream when the client cancels it, and logs the call as CANCELLED', async () => {
    const watch = (admin.health as unknown as { watch(request: object): import('@grpc/grpc-js').ClientReadableStream<{ status: string }> }).watch({
      service: '',
    });
    const first = await new Promise<{ status: string }>((resolve, reject) => {
      watch.once('data', resolve);
      watch.once('error', reject);
    });
    expect(first.status).toBe('SERVING');
    watch.on('error', () => undefined);
    watch.cancel();
    const line = await sut.logs.waitFor((entry) => entry.msg === 'rpc' && entry.method === '/grpc.health.v1.Health/Watch');
    expect(line.code).toBe('CANCELLED');
  });

  it('answers AgentService.UpdateConfig PER_USER validate_only with the rendered file, writing nothing', async () => {
    const response = await admin.unary<{ success: boolean; validation_result: string }>(admin.agent, 'UpdateConfig', {
      config_type: 'CONFIG_TYPE_PER_USER',
      config_name: 'x',
      config_content: 'route = 10.0.0.0/8\n',
      validate_only: true,
    });
    expect(response.success).toBe(true);
    expect(response.validation_result).toContain('route = 10.0.0.0/8');
  });

  it('answers AgentService.UpdateConfig PER_USER with a bad route as INVALID_ARGUMENT naming the line', async () => {
    const error = await rejection(
      admin.unary(admin.agent, 'UpdateConfig', { config_type: 'CONFIG_TYPE_PER_USER', config_name: 'x', config_content: 'route = 10.0.0.0/33\n' }),
    );
    expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/^config_content line 1 \(route\)/);
  });

  it('answers AgentService.UpdateConfig MAIN with FAILED_PRECONDITION while main_config.allow_updates is false', async () => {
    const error = await rejection(admin.unary(admin.agent, 'UpdateConfig', { config_type: 'CONFIG_TYPE_MAIN', config_content: 'x = 1\n' }));
    expect(error?.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(error?.details).toContain('main_config.allow_updates is false');
  });

  it('writes one log line per RPC with method, caller, status and duration', async () => {
    await admin.unary(admin.vpn, 'GetActiveSessions', { username_filter: 'logline' });
    const lines = sut.logs.where(
      (line) => line.msg === 'rpc' && line.method === '/agent.v1.VPNAgentService/GetActiveSessions' && line.caller === TEST_IDENTITIES.admin,
    );
    expect(lines.length).toBeGreaterThanOrEqual(1);
    const line = lines[lines.length - 1];
    expect(line).toMatchObject({ code: 'OK', role: 'admin', level: 'info' });
    expect(typeof line?.duration_ms).toBe('number');
  });

  it('audits a successful mutating call once', async () => {
    await admin.unary(admin.vpn, 'NotifyConnect', { username: 'audited', client_ip: '192.0.2.1', session_id: 'audit-ok' });
    const audit = sut.logs.where((line) => line.audit === true && line.target === 'user=audited session=audit-ok');
    expect(audit).toEqual([
      expect.objectContaining({ caller: TEST_IDENTITIES.admin, outcome: 'ok', method: '/agent.v1.VPNAgentService/NotifyConnect' }),
    ]);
  });

  it('never logs the private key or certificate bodies', () => {
    expect(sut.logs.text).not.toContain('PRIVATE KEY');
    expect(sut.logs.text).not.toContain('BEGIN CERTIFICATE');
  });

  describe('HTTP listener', () => {
    const http = () => sut.agent.app.getHttpServer() as App;

    it('answers liveness', async () => {
      const response = await request(http()).get('/health/live').expect(200);
      expect(response.body).toMatchObject({ status: 'ok' });
    });

    it('answers readiness once the gRPC server serves', async () => {
      const response = await request(http()).get('/health/ready').expect(200);
      expect(response.body).toMatchObject({ status: 'ok', info: { grpc: { status: 'up' } } });
    });

    it('exposes Prometheus metrics with per-method gRPC counters', async () => {
      const response = await request(http()).get('/metrics').expect(200);
      expect(response.headers['content-type']).toContain('text/plain');
      expect(response.text).toMatch(
        /ocserv_agent_grpc_server_handled_total\{method="\/agent\.v1\.VPNAgentService\/GetActiveSessions",code="OK"\} \d+/,
      );
      expect(response.text).toMatch(/ocserv_agent_sessions \d+/);
      expect(response.text).toContain('ocserv_agent_process_resident_memory_bytes');
    });
  });
});
