import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentErrorCode } from '../../../src/errors/agent-error-code.enum';
import { OcservConfigTester } from '../../../src/user-config/ocserv-config.tester';
import { anAgentConfig, configServiceFor } from '../../unit/builders/agent-config.builder';
import { agentErrorFromAsync } from '../../unit/builders/caught-error';

/** The real /usr/sbin/ocserv 1.1.6 --test-config, and stand-in binaries for a hang and a flood. */
describe(OcservConfigTester.name, () => {
  let dir: string;
  const tester = (overrides: { ocserv_path?: string; test_timeout_ms?: number } = {}) =>
    new OcservConfigTester(configServiceFor(anAgentConfig({ main_config: { path: '/etc/ocserv/ocserv.conf', ...overrides } })));
  const candidates = () => readdirSync(tmpdir()).filter((name) => name.startsWith('ocserv-agent-candidate-'));
  const script = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tester-spec-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.crt'), '-days', '2', '-subj', '/CN=localhost'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("returns ocserv's own message for a bad route and leaves no candidate behind", async () => {
    const sut = tester();
    const before = candidates();
    const conf = ['auth = "plain[passwd=/etc/passwd]"', 'socket-file = /run/x.sock', 'tcp-port = 4443',
      `server-cert = ${join(dir, 'server.crt')}`, `server-key = ${join(dir, 'server.key')}`,
      'device = vpns', 'ipv4-network = 192.168.1.0/24', 'route = 10.0.0.0/33', ''].join('\n');
    const result = await sut.test(conf);
    expect(result.ok).toBe(false);
    expect(result.problems).toContain("cannot figure format of route '10.0.0.0/33'");
    expect(candidates()).toEqual(before);
  });

  it("passes ocserv's warning for an unknown option along", async () => {
    const cert = '/nonexistent';
    const result = await tester().test(`foo-bar = 1\nserver-cert = ${cert}\n`);
    expect(result.warnings).toContain("warning: skipping unknown option 'foo-bar'");
  });

  it('kills a hanging ocserv after main_config.test_timeout_ms and removes the candidate', async () => {
    const before = candidates();
    const result = await tester({ ocserv_path: script('hang', 'exec sleep 10'), test_timeout_ms: 200 }).test('x = 1\n');
    expect(result).toMatchObject({ ok: false, problems: ['ocserv --test-config did not finish (main_config.test_timeout_ms)'] });
    expect(candidates()).toEqual(before);
  });

  it('refuses a flood of output instead of holding it', async () => {
    const result = await tester({ ocserv_path: script('flood', 'yes error: flood | head -c 1000000 >&2; exit 1') }).test('x = 1\n');
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toContain('printed more than');
  });

  it('blanks a secret-looking value out of what ocserv printed, and passes the candidate with mode 0600', async () => {
    const echo = script('echo', 'ls -l "$3" | cut -c1-10 >&2; cat "$3" >&2; exit 1');
    const result = await tester({ ocserv_path: echo }).test('camouflage_secret = hunter22\n');
    expect(result.problems).toEqual(['-rw-------', 'camouflage_secret = ***']);
  });

  it('is UNAVAILABLE when the ocserv binary is missing', async () => {
    const error = await agentErrorFromAsync(tester({ ocserv_path: join(dir, 'nope') }).test('x = 1\n'));
    expect(error.code).toBe(AgentErrorCode.Unavailable);
    expect(error.message).toContain('main_config.ocserv_path');
  });
});
