import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAgent } from './fake-agent';
import { HookRun, buildHook, runHook, writeHookConfig } from './hook-runner';

/*
 * What the real hook binary sends: the allowlisted variables only, each value
 * byte-exact through JSON (or U+FFFD for bytes that are not UTF-8), as one line.
 */
const TIMEOUT_MS = 4321;
const CONNECT = { REASON: 'connect', USERNAME: 'alice', ID: '1001' };
const REPLACEMENT = '\uFFFD';
const MAX_REQUEST_BYTES_CEILING = 1024 * 1024;

describe('ocserv-agent-hook request', () => {
  let dir: string;
  let config: string;
  let agent: FakeAgent;

  const sent = async (env: Record<string, string>, options: Parameters<typeof runHook>[1] = {}) => {
    const before = agent.requests.length;
    const run = await runHook(env, { config, ...options });
    const requests = await agent.waitForRequests(before + 1);
    return { run, request: requests[before], raw: agent.rawLines[before] };
  };

  beforeAll(async () => {
    buildHook();
    dir = mkdtempSync(join(tmpdir(), 'hook-request-'));
    const socket = join(dir, 'agent.sock');
    // The hook's ceiling, so values up to 240 KB round-trip (the fake agent takes any size).
    config = writeHookConfig(dir, { socket, timeoutMs: TIMEOUT_MS, maxRequestBytes: MAX_REQUEST_BYTES_CEILING });
    agent = await FakeAgent.start(socket);
  });

  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every allowlisted variable and nothing else, with op and budget_ms', async () => {
    const allowlisted = {
      REASON: 'connect', ID: '1001', USERNAME: 'alice', GROUPNAME: 'devs', VHOST: 'default', DEVICE: 'vpns0',
      IP_REAL: '203.0.113.7', IP_REAL_LOCAL: '198.51.100.1', IP_LOCAL: '192.168.99.1', IP_REMOTE: '192.168.99.50',
      HOSTNAME: 'laptop', REMOTE_HOSTNAME: 'laptop.example', USER_AGENT: 'Open AnyConnect VPN Agent v9.01-3',
      DEVICE_TYPE: 'linux-64', DEVICE_PLATFORM: 'linux', OCSERV_RESTRICT_TO_ROUTES: '1', STATS_BYTES_IN: '10',
      STATS_BYTES_OUT: '20', STATS_DURATION: '30', IPV6_LOCAL: 'fd00::1', IPV6_REMOTE: 'fd00::50', IPV6_PREFIX: '64',
      OCSERV_ROUTES: '10.0.0.0/8', OCSERV_ROUTES4: '10.0.0.0/8', OCSERV_ROUTES6: 'fd00::/8', OCSERV_NO_ROUTES: '10.1.0.0/16',
      OCSERV_NO_ROUTES4: '10.1.0.0/16', OCSERV_DNS: '10.0.0.53', OCSERV_DNS4: '10.0.0.53', OCSERV_DNS6: 'fd00::53',
    };
    const others = {
      PATH: '/usr/bin:/bin', SECRET_TOKEN: 's3cret', HOME: '/root', IPV6: 'no underscore', USERNAMES: 'not exact',
      OCSERV_RESTRICT_TO_ROUTES_X: 'exact name only', OCSERV_AGENT_KEY: 'not a listed prefix', LD_PRELOAD: '/evil.so',
    };

    const { run, request, raw } = await sent({ ...allowlisted, ...others });

    expect(run.code).toBe(0);
    expect(request).toEqual({ op: 'connect', budget_ms: TIMEOUT_MS, env: allowlisted });
    expect(raw).not.toContain('s3cret');
    expect(raw).not.toContain('OCSERV_AGENT_HOOK_CONFIG');
    expect(raw.startsWith('{"op":"connect","budget_ms":4321,"env":{')).toBe(true);
  });

  it.each(['disconnect', 'host-update'])('sends op = REASON for %s', async (reason) => {
    const { run, request } = await sent({ REASON: reason, USERNAME: 'alice', ID: '7', STATS_BYTES_IN: '1' });

    expect(run.code).toBe(0);
    expect(request).toEqual({ op: reason, budget_ms: TIMEOUT_MS, env: { REASON: reason, USERNAME: 'alice', ID: '7', STATS_BYTES_IN: '1' } });
  });

  const controlCharacters = Array.from({ length: 0x1f }, (_, i) => String.fromCharCode(i + 1)).join('');
  it.each([
    ['quotes', 'say "hi" \'there\''],
    ['backslashes', 'C:\\path\\\\to\\"x\\u0041'],
    ['newlines and tabs', 'line1\nline2\r\n\tend'],
    ['every control character 0x01..0x1f', controlCharacters],
    ['DEL', 'a\x7fb'],
    ['a JSON injection attempt', 'x","REASON":"connect","allowed":true,"y":"'],
    ['unicode é, 中文, emoji', 'é 中文 😀 𝄞 \u2028\u2029'],
    ['an empty value', ''],
    ['a 4 KB value', 'v'.repeat(4096)],
    ['a 64 KB mixed value', '"\\\n😀é'.repeat(64 * 1024 / 8)],
    ['a 120 KB value', 'x'.repeat(120 * 1024)],
  ])('round-trips %s exactly', async (_name, value) => {
    const { run, request, raw } = await sent({ ...CONNECT, USER_AGENT: value, GROUPNAME: value });

    expect(run.code).toBe(0);
    expect(request.env.USER_AGENT).toBe(value);
    expect(request.env.GROUPNAME).toBe(value);
    expect(raw).toMatch(/^[^\x00-\x1f\x7f]*$/);
  });

  it('escapes variable names as well as values', async () => {
    const name = 'IPV6_a"b\\c\x01';

    const { request } = await sent({ ...CONNECT, [name]: 'v' });

    expect(request.env[name]).toBe('v');
  });

  it.each([
    ['a lone 0xff', [0x61, 0xff, 0x62], `a${REPLACEMENT}b`],
    ['a lead byte without continuation', [0xc3, 0x28], `${REPLACEMENT}(`],
    ['a truncated 4-byte sequence', [0xf0, 0x9f, 0x98], REPLACEMENT.repeat(3)],
    ['an overlong encoding of /', [0xc0, 0xaf], REPLACEMENT.repeat(2)],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80], REPLACEMENT.repeat(3)],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], REPLACEMENT.repeat(4)],
    ['a lone continuation byte', [0x80], REPLACEMENT],
    ['invalid bytes around a valid emoji', [0xfe, 0xf0, 0x9f, 0x98, 0x80, 0xff], `${REPLACEMENT}😀${REPLACEMENT}`],
  ])('replaces each byte of %s by U+FFFD', async (_name, bytes, expected) => {
    const { run, request } = await sent(CONNECT, { rawEnv: { USER_AGENT: Buffer.from(bytes), USERNAME: Buffer.from([0x62, ...bytes]) } });

    expect(run.code).toBe(0);
    expect(request.env.USER_AGENT).toBe(expected);
    expect(request.env.USERNAME).toBe(`b${expected}`);
  });

  it('denies a connect whose request would exceed 1 MiB, without sending it, even with on_agent_unreachable=allow', async () => {
    const allowConfig = writeHookConfig(mkdtempSync(join(dir, 'allow-')), {
      socket: join(dir, 'agent.sock'),
      onAgentUnreachable: 'allow',
      maxRequestBytes: MAX_REQUEST_BYTES_CEILING,
    });
    const huge = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`OCSERV_ROUTES_${i}`, 'r'.repeat(120 * 1024)]));
    const before = agent.requests.length;

    const run: HookRun = await runHook({ ...CONNECT, ...huge }, { config: allowConfig });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/request larger than max_request_bytes=1048576; denying user alice/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(agent.requests.length).toBe(before);
  });
});
