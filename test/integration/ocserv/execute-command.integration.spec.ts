import { status as GrpcStatus } from '@grpc/grpc-js';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandResponse } from '../../../src/generated/agent/v1/agent';
import { AgentClients, GrpcError } from '../../support/agent-clients';
import { eventually, startLabAgent } from '../../support/ocserv-lab/lab-agent';
import { OcservLab } from '../../support/ocserv-lab/ocserv-lab';
import { TEST_IDENTITIES, TestAgent } from '../../support/test-agent';

jest.setTimeout(30_000);

/*
 * ExecuteCommand over gRPC against a real ocserv. occtl_path points at a thin
 * wrapper that appends its argv to a file and then execs the lab version's occtl, so the
 * tests see exactly what ran, and that refused requests ran nothing.
 */
const ALICE = { username: 'alice', password: 'alice-pw' };

describe('AgentService.ExecuteCommand against a real ocserv', () => {
  let lab: OcservLab;
  let agent: TestAgent;
  let admin: AgentClients;
  let argvLog: string;

  const execute = (request: object) => admin.unary<CommandResponse>(admin.agent, 'ExecuteCommand', { request_id: 'req-1', ...request });
  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: GrpcError) => error);
  const ran = (): string[] => (existsSync(argvLog) ? readFileSync(argvLog, 'utf8').trim().split('\n').filter((l) => l !== '') : []);

  beforeAll(async () => {
    lab = await OcservLab.start({ users: [ALICE] });
    argvLog = join(lab.dir, 'occtl-argv.log');
    const wrapper = join(lab.dir, 'occtl-recorder');
    writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> ${argvLog}\nexec ${lab.agentOcctlPath} "$@"\n`);
    chmodSync(wrapper, 0o755);
    agent = await startLabAgent(lab, { ocserv: { occtl_path: wrapper, events: false } });
    admin = agent.clientAs(TEST_IDENTITIES.admin);
    await lab.connect(ALICE);
  });

  afterAll(async () => {
    await agent?.stop();
    await lab?.stop();
  });

  it('runs show users and returns valid JSON with the live session', async () => {
    const response = await execute({ command_type: 'occtl', args: ['show', 'users'] });
    expect(response).toMatchObject({ request_id: 'req-1', success: true, exit_code: 0, error_message: '' });
    const users = JSON.parse(response.stdout) as Array<Record<string, unknown>>;
    expect(users.map((user) => user.Username)).toEqual(['alice']);
    // occtl's own output repeats "Routes"; the agent's JSON has one key holding both values.
    expect(users[0]?.Routes).toEqual('defaultroute');
  });

  it('returns show iroutes as a valid JSON array although occtl 1.1.6 prints neither brackets nor commas', async () => {
    const response = await execute({ command_type: 'show iroutes' });
    expect(JSON.parse(response.stdout)).toEqual([expect.objectContaining({ Username: 'alice' })]);
  });

  it('reports the real exit code of a command ocserv refuses', async () => {
    const response = await execute({ command_type: 'occtl', args: ['disconnect', 'id', '1'] });
    expect(response).toMatchObject({ success: false, exit_code: 1 });
    expect(response.error_message).toContain("could not disconnect ID '1'");
    const missing = await execute({ command_type: 'show_user', args: ['nobody'] });
    expect(missing).toMatchObject({ success: false, exit_code: 2 });
    expect(JSON.parse(missing.stdout)).toEqual([]);
  });

  it('runs reload', async () => {
    await expect(execute({ command_type: 'occtl', args: ['reload'] })).resolves.toMatchObject({ success: true, exit_code: 0 });
  });

  it.each([
    ['a command off the allowlist', { args: ['stop', 'now'] }, GrpcStatus.PERMISSION_DENIED],
    ['a flag-like argument', { args: ['show', 'user', '--help'] }, GrpcStatus.INVALID_ARGUMENT],
    ['a semicolon', { args: ['show', 'user', 'alice;reload'] }, GrpcStatus.INVALID_ARGUMENT],
    ['$()', { args: ['show', 'user', '$(touch /tmp/pwned)'] }, GrpcStatus.INVALID_ARGUMENT],
    ['a 10 KB argument', { args: ['show', 'user', 'x'.repeat(10 * 1024)] }, GrpcStatus.INVALID_ARGUMENT],
    ['an unknown command', { args: ['exec', '/bin/sh'] }, GrpcStatus.INVALID_ARGUMENT],
    ['show events', { args: ['show', 'events'] }, GrpcStatus.INVALID_ARGUMENT],
  ])('refuses %s and runs nothing', async (_case, request, code) => {
    const before = ran().length;
    const error = await rejection(execute({ command_type: 'occtl', ...request }));
    expect(error?.code).toBe(code);
    expect(ran().length).toBe(before);
    expect(lab.occtl(['show', 'status']).status).toBe(0);
  });

  it('leaves the refused call in the audit log', async () => {
    await rejection(execute({ command_type: 'occtl', args: ['stop', 'now'] }));
    const line = await agent.logs.waitFor(
      (entry) =>
        entry.msg === 'audit' && entry.method === '/agent.v1.AgentService/ExecuteCommand' && entry.outcome === 'permission_denied',
    );
    expect(String(line.target)).toContain('stop now');
  });

  it('honours timeout_seconds: a hung ocserv fails the call after that time, and nothing is left running', async () => {
    const pid = lab.serverPid ?? 0;
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const error = await rejection(execute({ command_type: 'occtl', args: ['show', 'status'], timeout_seconds: 1 }));
      const tookMs = Date.now() - started;
      expect(error?.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(error?.details).toContain('did not answer "show status" within 1000 ms');
      expect(tookMs).toBeGreaterThanOrEqual(1000);
      expect(tookMs).toBeLessThan(3000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const status = await eventually(() => execute({ command_type: 'show status' }), (r) => r.success);
    expect(status.exit_code).toBe(0);
  });
});
