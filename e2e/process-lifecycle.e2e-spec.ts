import { status as GrpcStatus } from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClients, connectAgent, GrpcError, mtlsCredentials } from '../test/support/agent-clients';
import { TEST_IDENTITIES } from '../test/support/test-agent-config';
import { createTestPki, TestPki } from '../test/support/test-pki';
import { AgentProcess } from './support/agent-process';
import { writeAgentConfig } from './support/config-file';

/** The built agent as an OS process: start, serve, and stop on signals without dropping calls. */
describe('agent process lifecycle', () => {
  let pki: TestPki;
  const processes: AgentProcess[] = [];
  const clients: AgentClients[] = [];

  beforeAll(() => {
    pki = createTestPki(mkdtempSync(join(tmpdir(), 'ocserv-agent-e2e-life-')));
  });

  afterEach(async () => {
    clients.splice(0).forEach((client) => client.close());
    await Promise.all(processes.splice(0).map((agent) => agent.stop()));
  });

  afterAll(() => {
    rmSync(pki.dir, { recursive: true, force: true });
  });

  async function startAgentProcess(name: string, extra: Record<string, unknown> = {}) {
    const agent = new AgentProcess(['--config', writeAgentConfig(pki, name, extra)]);
    processes.push(agent);
    const ports = await agent.started();
    const admin = connectAgent(ports.grpcPort, mtlsCredentials(pki, pki.client(TEST_IDENTITIES.admin)));
    clients.push(admin);
    return { agent, admin, ...ports };
  }

  it('finishes every in-flight call after SIGTERM, refuses new connections, and exits 0', async () => {
    const { agent, admin, grpcPort } = await startAgentProcess('sigterm');
    // Enough sessions that each GetActiveSessions takes a few ms, so calls queue up in the agent.
    for (let batch = 0; batch < 20; batch += 1) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          admin.unary(admin.vpn, 'NotifyConnect', { username: `u${batch}x${i}`, client_ip: '192.0.2.1', session_id: `b${batch}x${i}` }),
        ),
      );
    }
    const CALLS = 200;
    let completedBeforeSignal = -1;
    let completed = 0;
    const calls = Array.from({ length: CALLS }, () =>
      admin.unary<{ total_count: number }>(admin.vpn, 'GetActiveSessions', { include_stats: true }).then((response) => {
        completed += 1;
        if (completedBeforeSignal < 0) {
          completedBeforeSignal = completed;
          agent.signal('SIGTERM');
        }
        return response;
      }),
    );
    const results = await Promise.allSettled(calls);
    const failures = results.filter((result) => result.status === 'rejected');
    expect(failures).toEqual([]);
    expect(results.every((result) => result.status === 'fulfilled' && result.value.total_count === 2000)).toBe(true);
    // Calls really were in flight when the signal arrived.
    expect(CALLS - completedBeforeSignal).toBeGreaterThan(100);

    const exit = await agent.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(agent.lines.some((line) => line.msg === 'shutting down' && line.signal === 'SIGTERM')).toBe(true);
    expect(agent.lines.some((line) => line.msg === 'agent stopped')).toBe(true);

    const late = connectAgent(grpcPort, mtlsCredentials(pki, pki.client(TEST_IDENTITIES.admin)));
    clients.push(late);
    const error = (await late.unary(late.vpn, 'GetActiveSessions', {}, { deadlineMs: 2000 }).catch((e: GrpcError) => e)) as GrpcError;
    expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
  });

  it('ends health Watch streams with NOT_SERVING when it stops on SIGINT, and exits 0', async () => {
    const { agent, admin } = await startAgentProcess('sigint');
    const watch = (admin.health as unknown as { watch(r: object): import('@grpc/grpc-js').ClientReadableStream<{ status: string }> }).watch({ service: '' });
    const statuses: string[] = [];
    const ended = new Promise<void>((resolve) => {
      watch.on('end', resolve);
      watch.on('error', () => resolve());
    });
    watch.on('data', (message: { status: string }) => {
      statuses.push(message.status);
      if (statuses.length === 1) agent.signal('SIGINT');
    });
    await ended;
    expect(statuses).toEqual(['SERVING', 'NOT_SERVING']);
    expect(await agent.exited).toEqual({ code: 0, signal: null });
  });

  it('warns at every start when the gRPC API runs without TLS', async () => {
    const agent = new AgentProcess(['--config', writeAgentConfig(pki, 'insecure', { grpc: { listen: '127.0.0.1:0', insecure: true } })]);
    processes.push(agent);
    await agent.started();
    const warning = agent.lines.find((line) => line.level === 'warn' && String(line.msg).includes('WITHOUT TLS'));
    expect(warning).toBeDefined();
  });

  it('writes JSON log lines with the agent id', async () => {
    const { agent } = await startAgentProcess('json-logs');
    const started = await agent.waitForLine((line) => line.msg === 'agent started');
    expect(started).toMatchObject({ level: 'info', service: 'ocserv-agent', agent_id: 'e2e-agent' });
    expect(agent.lines.filter((line) => line.unparsed === true)).toEqual([]);
  });
});
