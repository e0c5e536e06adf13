import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAgent } from './fake-agent';
import { buildHook, runHook } from './hook-runner';

/*
 * The hook's config file: a usable file is obeyed; a file named by
 * OCSERV_AGENT_HOOK_CONFIG that is missing or wrong denies every connect (the
 * agent is not even asked), with the reason on stderr.
 */
const ALICE_CONNECT = { REASON: 'connect', USERNAME: 'alice', ID: '1001' };
const DEFAULT_CONFIG_PATH = '/etc/ocserv-agent/hook.conf';
const DEFAULT_SOCKET_PATH = '/run/ocserv-agent/hook.sock';

describe('ocserv-agent-hook config', () => {
  let dir: string;
  let socket: string;
  let agent: FakeAgent;

  const configFile = (text: string) => {
    const path = join(mkdtempSync(join(dir, 'conf-')), 'hook.conf');
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    buildHook();
    dir = mkdtempSync(join(tmpdir(), 'hook-config-'));
    socket = join(dir, 'agent.sock');
    agent = await FakeAgent.start(socket);
  });

  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads keys with comments, blank lines and spaces around =', async () => {
    const config = configFile(
      `# hook settings\n\n  socket=${socket}   # the agent\n\ttimeout_ms  =  1234\non_agent_unreachable = allow # fail open\n` +
        'max_request_bytes = 1048576\nagent_uid = 0\n',
    );
    const before = agent.requests.length;

    const run = await runHook(ALICE_CONNECT, { config });

    expect(run.code).toBe(0);
    expect((await agent.waitForRequests(before + 1))[before].budget_ms).toBe(1234);
  });

  it.each([
    ['an unknown key', 'SOCKET_LINE\nsockett = /x\n', /line 2: unknown key 'sockett'/],
    ['a line without =', 'SOCKET_LINE\ntimeout_ms 5000\n', /line 2: expected `key = value`/],
    ['timeout_ms 0', 'SOCKET_LINE\ntimeout_ms = 0\n', /line 2: timeout_ms must be an integer 100\.\.600000 \(the agent refuses a budget under 100 ms\), got '0'/],
    ['timeout_ms 50 (below the agent\'s minimum budget)', 'SOCKET_LINE\ntimeout_ms = 50\n', /line 2: timeout_ms must be an integer 100\.\.600000 \(the agent refuses a budget under 100 ms\), got '50'/],
    ['timeout_ms 99', 'SOCKET_LINE\ntimeout_ms = 99\n', /timeout_ms must be an integer 100\.\.600000 .*, got '99'/],
    ['timeout_ms 600001', 'SOCKET_LINE\ntimeout_ms = 600001\n', /timeout_ms must be an integer 100\.\.600000 .*, got '600001'/],
    ['max_request_bytes 1023', 'SOCKET_LINE\nmax_request_bytes = 1023\n', /max_request_bytes must be an integer 1024\.\.1048576 \(the agent's ipc\.max_request_bytes\), got '1023'/],
    ['max_request_bytes over 1 MiB', 'SOCKET_LINE\nmax_request_bytes = 1048577\n', /max_request_bytes must be an integer 1024\.\.1048576 .*, got '1048577'/],
    ['a user name as agent_uid', 'SOCKET_LINE\nagent_uid = ocserv-agent\n', /agent_uid must be a numeric uid 0\.\.4294967294, got 'ocserv-agent'/],
    ['agent_uid -1', 'SOCKET_LINE\nagent_uid = -1\n', /agent_uid must be a numeric uid 0\.\.4294967294, got '-1'/],
    ['agent_uid over the uid range', 'SOCKET_LINE\nagent_uid = 4294967295\n', /agent_uid must be a numeric uid .*, got '4294967295'/],
    ['timeout_ms with a unit', 'SOCKET_LINE\ntimeout_ms = 5s\n', /got '5s'/],
    ['a negative timeout_ms', 'SOCKET_LINE\ntimeout_ms = -5\n', /got '-5'/],
    ['an empty timeout_ms', 'SOCKET_LINE\ntimeout_ms =\n', /got ''/],
    ['on_agent_unreachable yes', 'SOCKET_LINE\non_agent_unreachable = yes\n', /on_agent_unreachable must be deny or allow, got 'yes'/],
    ['a relative socket path', 'socket = agent.sock\n', /line 1: socket must be an absolute path shorter than 108 bytes, got 'agent.sock'/],
    ['a socket path too long for sun_path', `socket = /${'s'.repeat(120)}\n`, /socket must be an absolute path shorter than 108 bytes/],
    ['a key given twice', 'SOCKET_LINE\ntimeout_ms = 100\ntimeout_ms = 200\n', /line 3: timeout_ms given twice/],
    ['agent_uid given twice', 'SOCKET_LINE\nagent_uid = 0\nagent_uid = 0\n', /line 3: agent_uid given twice/],
    ['a control character in a value', 'SOCKET_LINE\non_agent_unreachable = al\x1blow\n', /got 'al\\x1blow'/],
  ])('denies every connect for %s, saying why', async (_name, text, why) => {
    const config = configFile(text.replace('SOCKET_LINE', `socket = ${socket}`));
    const before = agent.requests.length;

    const run = await runHook(ALICE_CONNECT, { config });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ocserv-agent-hook: unusable configuration \(.*hook\.conf line \d+: .*\); denying user alice\n$/);
    expect(run.stderr).toMatch(why);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(agent.requests.length).toBe(before);
  });

  it('accepts hook/hook.conf.example as shipped, every key included', async () => {
    const example = readFileSync(join(__dirname, '..', '..', '..', 'hook', 'hook.conf.example'), 'utf8');
    const config = configFile(example.replace(/^socket = .*$/m, `socket = ${socket}`));
    const before = agent.requests.length;

    const run = await runHook(ALICE_CONNECT, { config });

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((await agent.waitForRequests(before + 1))[before].budget_ms).toBe(5000);
  });

  it('denies every connect when the file named by OCSERV_AGENT_HOOK_CONFIG is missing', async () => {
    const missing = join(dir, 'no-such.conf');

    const run = await runHook(ALICE_CONNECT, { config: missing });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`ocserv-agent-hook: unusable configuration (cannot open ${missing}: No such file or directory); denying user alice\n`);
  });

  it('still exits 0 for disconnect with an unusable config, saying the report was lost', async () => {
    const run = await runHook({ ...ALICE_CONNECT, REASON: 'disconnect' }, { config: join(dir, 'no-such.conf') });

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/unusable configuration \(cannot open .*\); disconnect of user alice not reported/);
  });

  const noSystemHookFiles = !existsSync(DEFAULT_CONFIG_PATH) && !existsSync(DEFAULT_SOCKET_PATH);
  (noSystemHookFiles ? it : it.skip)('uses the built-in defaults when OCSERV_AGENT_HOOK_CONFIG is unset and the default file is missing', async () => {
    const run = await runHook(ALICE_CONNECT);

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `ocserv-agent-hook: agent unreachable at ${DEFAULT_SOCKET_PATH}: No such file or directory; denying user alice (on_agent_unreachable=deny)\n`,
    );
  });
});
