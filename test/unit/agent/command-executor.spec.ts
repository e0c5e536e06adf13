import { CommandExecutor } from '../../../src/agent/command-executor.service';
import { toCommandOrder } from '../../../src/agent/agent-wire.mapper';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import type { OcctlCommandSpec } from '../../../src/occtl/occtl-command.catalog';
import type { OcctlCommandOutput, OcctlService } from '../../../src/occtl/occtl.service';
import type { CommandRequest } from '../../../src/generated/agent/v1/agent';
import { anAgentConfig, configServiceFor } from '../builders/agent-config.builder';
import { agentErrorFrom, agentErrorFromAsync } from '../builders/caught-error';

/** Records every command that would have run; answers like occtl would. */
class RecordingOcctl {
  readonly ran: Array<{ name: string; args: readonly string[]; timeoutMs: number | undefined }> = [];
  output: OcctlCommandOutput = { exitCode: 0, stdout: '[]', stderr: '', durationMs: 1 };

  runCommand(spec: OcctlCommandSpec, args: readonly string[], timeoutMs?: number): Promise<OcctlCommandOutput> {
    this.ran.push({ name: spec.name, args, timeoutMs });
    return Promise.resolve(this.output);
  }
}

const request = (overrides: Partial<CommandRequest>): CommandRequest => ({
  request_id: 'r-1',
  command_type: 'occtl',
  args: [],
  timeout_seconds: 0,
  ...overrides,
});

describe(CommandExecutor.name, () => {
  let occtl: RecordingOcctl;
  let sut: CommandExecutor;

  const build = (allowed?: string[]) => {
    occtl = new RecordingOcctl();
    const config = anAgentConfig(allowed === undefined ? {} : { ocserv: { allowed_commands: allowed as never } });
    sut = new CommandExecutor(occtl as unknown as OcctlService, configServiceFor(config));
  };
  const run = (overrides: Partial<CommandRequest>) => sut.execute(toCommandOrder(request(overrides)));

  beforeEach(() => build());

  it('runs an allowed show command given as occtl words', async () => {
    const outcome = await run({ args: ['show', 'user', 'alice'], timeout_seconds: 7 });
    expect(occtl.ran).toEqual([{ name: 'show user', args: ['alice'], timeoutMs: 7000 }]);
    expect(outcome).toMatchObject({ exitCode: 0, stdout: '[]', errorMessage: '' });
  });

  it('accepts the command as command_type with its argument in args', async () => {
    await run({ command_type: 'disconnect id', args: ['24356'] });
    await run({ command_type: 'show_users', args: [] });
    expect(occtl.ran.map((r) => r.name)).toEqual(['disconnect id', 'show users']);
  });

  it('reports a failed command with its real exit code and what occtl said', async () => {
    occtl.output = { exitCode: 1, stdout: '', stderr: "could not disconnect user 'bob'\n", durationMs: 1 };
    const outcome = await run({ args: ['disconnect', 'user', 'bob'] });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.errorMessage).toBe("occtl disconnect user exited 1: could not disconnect user 'bob'");
  });

  it.each([
    ['stop now', ['stop', 'now']],
    ['terminate user', ['terminate', 'user', 'alice']],
  ])('refuses %s unless the allowlist names it (PERMISSION_DENIED)', async (_name, words) => {
    const error = await agentErrorFromAsync(run({ args: words }));
    expect(error.code).toBe(AgentErrorCode.PermissionDenied);
    expect(error.message).toContain('ocserv.allowed_commands');
    expect(occtl.ran).toEqual([]);
  });

  it('runs stop now when the operator listed it', async () => {
    build(['stop now']);
    await run({ args: ['stop', 'now'] });
    expect(occtl.ran.map((r) => r.name)).toEqual(['stop now']);
  });

  it('refuses a command left off a custom allowlist', async () => {
    build(['show status']);
    expect((await agentErrorFromAsync(run({ args: ['reload'] }))).code).toBe(AgentErrorCode.PermissionDenied);
  });

  it('refuses show events: it never ends', async () => {
    const error = await agentErrorFromAsync(run({ args: ['show', 'events'] }));
    expect(error.code).toBe(AgentErrorCode.InvalidArgument);
    expect(occtl.ran).toEqual([]);
  });

  it.each([
    ['an unknown command', { args: ['rm', '-rf', '/'] }],
    ['a shell command type', { command_type: 'bash', args: ['-c', 'id'] }],
    ['a flag-like argument', { args: ['show', 'user', '--help'] }],
    ['a flag as the first word', { args: ['-j', 'show', 'users'] }],
    ['a semicolon', { args: ['show', 'user', 'alice;reboot'] }],
    ['a command substitution', { args: ['show', 'user', '$(id)'] }],
    ['backticks', { args: ['show', 'user', '`id`'] }],
    ['a 10 KB argument', { args: ['show', 'user', 'a'.repeat(10 * 1024)] }],
    ['a newline', { args: ['show', 'user', 'alice\nreload'] }],
    ['a NUL byte', { args: ['show', 'user', 'alice\u0000'] }],
    ['a path', { args: ['show', 'user', '../../etc/passwd'] }],
    ['a missing argument', { args: ['show', 'user'] }],
    ['an extra argument', { args: ['show', 'users', 'alice'] }],
    ['an argument to reload', { args: ['reload', 'now'] }],
    ['a non-numeric id', { args: ['disconnect', 'id', '12abc'] }],
    ['a negative id', { args: ['show', 'id', '-1'] }],
    ['an id past 2^31', { args: ['show', 'id', '99999999999'] }],
    ['an IP with a prefix', { args: ['unban', 'ip', '10.0.0.0/8'] }],
    ['a hostname for an IP', { args: ['unban', 'ip', 'example.com'] }],
    ['a session id with spaces', { args: ['show', 'session', 'abc def'] }],
    ['too many words', { args: ['show', 'a', 'b', 'c', 'd', 'e', 'f'] }],
    ['no command at all', { command_type: '', args: [] }],
    ['a negative timeout', { args: ['show', 'users'], timeout_seconds: -1 }],
    ['a timeout over 300 s', { args: ['show', 'users'], timeout_seconds: 301 }],
  ])('refuses %s with INVALID_ARGUMENT and runs nothing', async (_case, overrides) => {
    const error = await agentErrorFromAsync(Promise.resolve().then(() => run(overrides)));
    expect(error.code).toBe(AgentErrorCode.InvalidArgument);
    expect(error.message.length).toBeLessThan(400);
    expect(occtl.ran).toEqual([]);
  });

  it('checks the wire shape before anything else', () => {
    const error = agentErrorFrom(() => toCommandOrder(request({ request_id: 'x\ny' })));
    expect(error.code).toBe(AgentErrorCode.InvalidArgument);
  });
});
