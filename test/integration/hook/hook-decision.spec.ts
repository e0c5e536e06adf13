import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAgent } from './fake-agent';
import { buildHook, runHook, writeHookConfig } from './hook-runner';

/*
 * The exit code the real hook binary gives ocserv: connect is allowed only on a
 * top-level "allowed":true; an absent or silent agent gets on_agent_unreachable
 * (always logged); a peer that answers something else or closes without an
 * answer is denied; disconnect and host-update always exit 0.
 */
const ALICE_CONNECT = { REASON: 'connect', USERNAME: 'alice', ID: '1001' };
const SHORT_TIMEOUT_MS = 300;
const FAST_FAILURE_MS = 500;

describe('ocserv-agent-hook decision', () => {
  let dir: string;
  let socket: string;
  let denyConfig: string;
  let allowConfig: string;
  let agent: FakeAgent;

  const configIn = (name: string, input: Parameters<typeof writeHookConfig>[1]) =>
    writeHookConfig(mkdtempSync(join(dir, `${name}-`)), input);

  beforeAll(async () => {
    buildHook();
    dir = mkdtempSync(join(tmpdir(), 'hook-decision-'));
    socket = join(dir, 'agent.sock');
    denyConfig = configIn('deny', { socket, timeoutMs: SHORT_TIMEOUT_MS });
    allowConfig = configIn('allow', { socket, timeoutMs: SHORT_TIMEOUT_MS, onAgentUnreachable: 'allow' });
    agent = await FakeAgent.start(socket);
  });

  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('connect with an agent that answers', () => {
    it.each([
      ['allowed:true', '{"allowed":true,"source":"portal"}\n'],
      ['allowed:true with whitespace and CRLF', ' { "allowed" : true , "source" : "cache" } \r\n'],
      ['allowed:true after nested members', '{"meta":{"a":[1,{"b":"}"}]},"allowed":true}\n'],
      ['an escaped key that JSON.parse reads as "allowed"', '{"\\u0061llowed":true}\n'],
    ])('exits 0 for %s', async (_name, answer) => {
      agent.answerWith(() => answer);

      const run = await runHook(ALICE_CONNECT, { config: denyConfig });

      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
    });

    it.each([
      ['allowed:false', '{"allowed":false,"source":"fail-close","reason":"portal unavailable"}\n'],
      ['"allowed":true only inside a string', '{"allowed":false,"reason":"\\"allowed\\":true"}\n'],
      ['"allowed":true only in a nested object', '{"x":{"allowed":true}}\n'],
      ['allowed as the string "true"', '{"allowed":"true"}\n'],
      ['allowed as 1', '{"allowed":1}\n'],
      ['a duplicate allowed:false', '{"allowed":true,"allowed":false}\n'],
      ['any duplicate "allowed" that is not true (stricter than JSON.parse\'s last-wins)', '{"allowed":false,"\\u0061llowed":true}\n'],
      ['an agent error', '{"allowed":false,"error":"env.USERNAME: too long"}\n'],
      ['no allowed member', '{"ok":true}\n'],
    ])('exits 1 for %s', async (_name, answer) => {
      agent.answerWith(() => answer);

      const run = await runHook(ALICE_CONNECT, { config: allowConfig });

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^ocserv-agent-hook: agent denied user alice: .*\n$/);
    });

    it('logs the agent\'s reason', async () => {
      agent.answerWith(() => '{"allowed":false,"reason":"portal unavailable: timeout"}\n');

      const run = await runHook(ALICE_CONNECT, { config: denyConfig });

      expect(run.stderr).toBe('ocserv-agent-hook: agent denied user alice: portal unavailable: timeout\n');
    });

    it.each([
      ['garbage', 'garbage\n', /unparsable answer 'garbage'/],
      ['an empty line', '\n', /unparsable answer ''/],
      ['an array, not an object', '[{"allowed":true}]\n', /unparsable answer/],
      ['malformed JSON in a nested value', '{"meta":[1,,2],"allowed":true}\n', /unparsable answer/],
      ['a number JSON does not allow', '{"allowed":true,"n":01}\n', /unparsable answer/],
      ['mismatched brackets', '{"meta":{"a":[1}],"allowed":true}\n', /unparsable answer/],
      ['JSON with trailing garbage', '{"allowed":true} x\n', /unparsable answer/],
      ['an unterminated string', '{"allowed":true,"r":"abc}\n', /unparsable answer/],
      ['a raw control character in a string', '{"allowed":true,"r":"a\tb"}\n', /unparsable answer/],
      ['a line without newline, then close', '{"allowed":true}', /connection closed without an answer line/],
      ['a close without any answer', '', /connection closed without an answer line/],
      ['an answer line over 64 KiB', `{"allowed":true,"pad":"${'p'.repeat(70 * 1024)}"}\n`, /answer longer than 65536 bytes/],
    ])('exits 1 for %s even with on_agent_unreachable=allow (a peer that accepted is not absent), logging which', async (_name, answer, why) => {
      agent.answerWith(() => answer);

      const denied = await runHook(ALICE_CONNECT, { config: denyConfig });
      const alsoDenied = await runHook(ALICE_CONNECT, { config: allowConfig });

      for (const run of [denied, alsoDenied]) {
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(why);
        expect(run.stderr).toMatch(/^ocserv-agent-hook: no usable answer from the agent at .*; denying user alice\n$/);
      }
    });
  });

  describe('connect with an agent that cannot be reached', () => {
    it('denies fast when no socket file exists, and says so', async () => {
      const config = configIn('missing', { socket: join(dir, 'nobody-here.sock') });

      const run = await runHook(ALICE_CONNECT, { config });

      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `ocserv-agent-hook: agent unreachable at ${join(dir, 'nobody-here.sock')}: No such file or directory; denying user alice (on_agent_unreachable=deny)\n`,
      );
      expect(run.durationMs).toBeLessThan(FAST_FAILURE_MS);
    });

    it('denies fast when nobody listens on the socket file, and allows with on_agent_unreachable=allow', async () => {
      const stale = await staleSocketFile(join(dir, 'stale.sock'));
      const deny = configIn('stale-deny', { socket: stale });
      const allow = configIn('stale-allow', { socket: stale, onAgentUnreachable: 'allow' });

      const denied = await runHook(ALICE_CONNECT, { config: deny });
      const allowed = await runHook(ALICE_CONNECT, { config: allow });

      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(/agent unreachable at .*stale\.sock: Connection refused; denying user alice \(on_agent_unreachable=deny\)/);
      expect(denied.durationMs).toBeLessThan(FAST_FAILURE_MS);
      expect(allowed.code).toBe(0);
      expect(allowed.stderr).toMatch(/agent unreachable at .*stale\.sock: Connection refused; allowing user alice \(on_agent_unreachable=allow\)/);
      expect(allowed.durationMs).toBeLessThan(FAST_FAILURE_MS);
    });

    it('gives up after timeout_ms when the agent accepts but never answers', async () => {
      agent.answerWith(() => undefined);

      const denied = await runHook(ALICE_CONNECT, { config: denyConfig });
      const allowed = await runHook(ALICE_CONNECT, { config: allowConfig });

      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(/no answer within timeout_ms=300; denying user alice \(on_agent_unreachable=deny\)/);
      expect(allowed.code).toBe(0);
      expect(allowed.stderr).toMatch(/no answer within timeout_ms=300; allowing user alice \(on_agent_unreachable=allow\)/);
      for (const run of [denied, allowed]) {
        expect(run.durationMs).toBeGreaterThanOrEqual(250);
        expect(run.durationMs).toBeLessThan(1500);
      }
    });

    it('prints usernames escaped and truncated, never raw control characters', async () => {
      const config = configIn('escape', { socket: join(dir, 'nobody-here.sock') });

      const run = await runHook({ ...ALICE_CONNECT, USERNAME: `evil\nuser\x1b[31m\\é${'x'.repeat(100)}` }, { config });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`denying user evil\\x0auser\\x1b[31m\\x5c\\xc3\\xa9${'x'.repeat(64 - 17)}... (on_agent_unreachable=deny)\n`);
      expect(run.stderr.slice(0, -1)).toMatch(/^[\x20-\x7e]*$/);
    });
  });

  describe('REASON', () => {
    it.each([
      ['unset', {}],
      ['unknown', { REASON: 'bogus' }],
      ['empty', { REASON: '' }],
    ])('exits 1 without asking the agent when REASON is %s', async (_name, reason) => {
      agent.answerWith(() => '{"allowed":true}\n');
      const before = agent.requests.length;

      const run = await runHook({ USERNAME: 'alice', ...reason }, { config: allowConfig });

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/unknown REASON '.*'|unknown REASON '\(unset\)'/);
      expect(agent.requests.length).toBe(before);
    });
  });

  describe.each(['disconnect', 'host-update'])('%s', (reason) => {
    const env = { REASON: reason, USERNAME: 'alice', ID: '1001', STATS_BYTES_IN: '5', STATS_BYTES_OUT: '6', STATS_DURATION: '7' };

    it('delivers the request and exits 0', async () => {
      agent.answerWith(() => '{"ok":true}\n');
      const before = agent.requests.length;

      const run = await runHook(env, { config: denyConfig });

      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect((await agent.waitForRequests(before + 1))[before]).toEqual({ op: reason, budget_ms: SHORT_TIMEOUT_MS, env });
    });

    it.each([
      ['garbage', () => 'garbage\n', /unparsable answer 'garbage'/],
      ['no answer', () => undefined, /no answer within timeout_ms=300/],
      ['allowed:false', () => '{"allowed":false,"error":"unknown session"}\n', /agent answered the .* of user alice with: unknown session/],
    ])('exits 0 when the agent answers %s, logging it', async (_name, reply, why) => {
      agent.answerWith(reply);

      const run = await runHook(env, { config: denyConfig });

      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(why);
    });

    it('exits 0 fast when the agent is down, logging it', async () => {
      const config = configIn(`${reason}-down`, { socket: join(dir, 'nobody-here.sock') });

      const run = await runHook(env, { config });

      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(new RegExp(`agent unreachable at .*: No such file or directory; ${reason} of user alice not confirmed`));
      expect(run.durationMs).toBeLessThan(FAST_FAILURE_MS);
    });
  });
});

/**
 * A Unix socket file nobody listens on (connect gets ECONNREFUSED): Node unlinks
 * a server's socket file on close, so the file is renamed away first.
 */
async function staleSocketFile(path: string): Promise<string> {
  const live = `${path}.live`;
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(live, resolve));
  renameSync(live, path);
  await new Promise((resolve) => server.close(resolve));
  return path;
}
