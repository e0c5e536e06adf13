import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_CONFIG_FILE_BYTES } from '../src/config/config-limits.constant';
import { createTestPki, TestPki } from '../test/support/test-pki';
import { AgentProcess } from './support/agent-process';
import { writeRawConfig } from './support/config-file';

/*
 * Config files that are hostile or pasted wrong, given to the real binary: each ends
 * as "invalid configuration", exit 2, a message naming the problem, no stack trace,
 * and nothing of a private key in stderr (which systemd copies to the journal).
 */

/** A "billion laughs": 9 levels of 9 aliases, 9^9 (~387 million) nodes once expanded. */
function aliasBomb(prefix: string): string {
  const lines = [`${prefix}0: &${prefix}0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (let level = 1; level < 10; level += 1) {
    lines.push(`${prefix}${level}: &${prefix}${level} [${Array(9).fill(`*${prefix}${level - 1}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** A refusal comes in well under a second; past this the agent is killed and the test fails. */
const EXIT_WAIT_MS = 20_000;

/** Lines a Node stack trace or an uncaught error prints. */
const CRASH_MARKERS = [/^\s+at /m, /ReferenceError|RangeError|TypeError/, /node:internal|Node\.js v\d+/];

describe('agent process with a hostile or mistaken config file', () => {
  let pki: TestPki;
  let keyPem: string;

  beforeAll(() => {
    pki = createTestPki(mkdtempSync(join(tmpdir(), 'ocserv-agent-e2e-hostile-config-')));
    keyPem = readFileSync(pki.server.keyFile, 'utf8');
  });

  afterAll(() => {
    rmSync(pki.dir, { recursive: true, force: true });
  });

  async function runToExit(yamlText: string, env: Record<string, string> = {}) {
    const path = writeRawConfig(pki, `hostile-${Math.random().toString(36).slice(2)}`, yamlText);
    const agent = new AgentProcess(['--config', path], env);
    // An agent that hangs on the file (or starts with it) must not outlive the test.
    const timer = setTimeout(() => void agent.stop(), EXIT_WAIT_MS);
    const exit = await agent.exited;
    clearTimeout(timer);
    return { exit, stderr: agent.stderr, started: agent.lines.some((line) => line.msg === 'agent started'), path };
  }

  function expectConfigRefusal(result: Awaited<ReturnType<typeof runToExit>>, expected: string): void {
    expect(result.exit.code).toBe(2);
    expect(result.stderr).toContain(`ocserv-agent: invalid configuration (${result.path}):`);
    expect(result.stderr).toContain(expected);
    for (const marker of CRASH_MARKERS) expect(result.stderr).not.toMatch(marker);
    expect(result.started).toBe(false);
  }

  const tlsYaml = () =>
    `grpc:\n  tls:\n    cert_file: ${pki.server.certFile}\n    key_file: ${pki.server.keyFile}\n    client_ca_file: ${pki.caFile}\n`;

  describe('YAML alias abuse (finding 8)', () => {
    it('exits 2 on a "billion laughs" alias bomb, quickly', async () => {
      const startedAt = Date.now();
      const result = await runToExit(`${tlsYaml()}${aliasBomb('x')}`);

      expectConfigRefusal(result, 'YAML: aliases (*name) expand to more than 100 nodes');
      expect(Date.now() - startedAt).toBeLessThan(10_000);
    });

    it('exits 2 on an alias whose anchor is not defined before it', async () => {
      expectConfigRefusal(await runToExit(`${tlsYaml()}log:\n  level: *nowhere\n`), 'YAML: Unresolved alias');
    });

    it('exits 2 on an alias bomb in the policy file of local mode', async () => {
      const policy = join(pki.dir, 'bomb-policy.yaml');
      execFileSync('sh', ['-c', `cat > ${policy}`], { input: `default: {allow: false}\n${aliasBomb('p')}` });

      const result = await runToExit(`${tlsYaml()}authorization:\n  mode: local\n  local:\n    policy_file: ${policy}\n`);

      expectConfigRefusal(result, `authorization.local.policy_file: "${policy}": YAML: aliases (*name) expand to more than 1000 nodes`);
    });
  });

  describe('file size (finding 8)', () => {
    it('exits 2 on a config file larger than the cap, naming the cap', async () => {
      const result = await runToExit(`${tlsYaml()}#${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\n`);

      expectConfigRefusal(result, `config file: ${MAX_CONFIG_FILE_BYTES + tlsYaml().length + 2} bytes, more than the ${MAX_CONFIG_FILE_BYTES} allowed`);
    });

    it('exits 2 when a TLS file is a character device instead of reading it forever', async () => {
      const yaml = `grpc:\n  tls:\n    cert_file: ${pki.server.certFile}\n    key_file: /dev/zero\n    client_ca_file: ${pki.caFile}\n`;

      expectConfigRefusal(await runToExit(yaml), 'grpc.tls.key_file: "/dev/zero": not a file, expected a PEM private key');
    });
  });

  describe('identity names (finding 11)', () => {
    it.each(['URI:spiffe://example.org/portal', 'email:portal@example.com', 'spiffe://example.org/portal'])(
      'exits 2 on the identity %j, which would match nothing, naming the typed forms',
      async (name) => {
        const result = await runToExit(`${tlsYaml()}  access:\n    identities:\n      "${name}": operator\n`);

        expectConfigRefusal(result, `grpc.access.identities: got key "${name}", expected a certificate name, or one typed as cn:NAME, dns:NAME, ip:ADDRESS or uri:URI`);
      },
    );
  });

  describe('echoed values (finding 9)', () => {
    const keyBody = () => keyPem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));

    it('does not print a private key pasted into grpc.tls.key_file', async () => {
      const pasted = keyPem.split('\n').map((line) => `      ${line}`).join('\n');
      const yaml = `grpc:\n  tls:\n    cert_file: ${pki.server.certFile}\n    key_file: |\n${pasted}\n    client_ca_file: ${pki.caFile}\n`;

      const result = await runToExit(yaml);

      expectConfigRefusal(result, 'grpc.tls.key_file: got <value looks like key material; not shown>, expected an absolute path');
      expect(result.stderr).not.toContain('BEGIN');
      for (const line of keyBody()) expect(result.stderr).not.toContain(line.slice(0, 16));
    });

    it('does not print a private key given as OCSERV_AGENT_GRPC_TLS_KEY_FILE', async () => {
      const result = await runToExit(tlsYaml(), { OCSERV_AGENT_GRPC_TLS_KEY_FILE: keyPem });

      expectConfigRefusal(result, 'grpc.tls.key_file: got <value looks like key material; not shown>');
      expect(result.stderr).not.toContain('BEGIN');
      for (const line of keyBody()) expect(result.stderr).not.toContain(line.slice(0, 16));
    });

    it('cuts a long rejected value to 64 characters and says how long it was', async () => {
      const result = await runToExit(`${tlsYaml()}log:\n  level: ${'loud'.repeat(2_500)}\n`);

      expectConfigRefusal(result, `log.level: got "${'loud'.repeat(16)}…" (10000 chars), expected one of`);
      expect(result.stderr).not.toContain('loud'.repeat(17));
    });

    it('cuts a long unknown key', async () => {
      // YAML allows at most 1,024 characters for a plain key.
      const result = await runToExit(`${tlsYaml()}log:\n  ${'k'.repeat(1_000)}: 1\n`);

      expectConfigRefusal(result, `log.${'k'.repeat(64)}… (1000 chars): unknown key`);
      expect(result.stderr).not.toContain('k'.repeat(65));
    });
  });
});
