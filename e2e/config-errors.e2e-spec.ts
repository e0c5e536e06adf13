import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPki, TestPki } from '../test/support/test-pki';
import { AgentProcess } from './support/agent-process';
import { writeAgentConfig, writeRawConfig } from './support/config-file';

/** A bad configuration stops the real binary with exit code 2 and a message naming the key, before anything listens. */
describe('agent process with a bad configuration', () => {
  let pki: TestPki;

  beforeAll(() => {
    pki = createTestPki(mkdtempSync(join(tmpdir(), 'ocserv-agent-e2e-config-')));
  });

  afterAll(() => {
    rmSync(pki.dir, { recursive: true, force: true });
  });

  async function runToExit(args: readonly string[], env: Record<string, string> = {}) {
    const agent = new AgentProcess(args, env);
    const exit = await agent.exited;
    return { exit, stderr: agent.stderr, lines: agent.lines };
  }

  const tlsYaml = () =>
    `  tls:\n    cert_file: ${pki.server.certFile}\n    key_file: ${pki.server.keyFile}\n    client_ca_file: ${pki.caFile}\n`;

  it.each([
    ['an unknown key', () => `grpc:\n  lisen: 127.0.0.1:0\n${tlsYaml()}`, 'grpc.lisen: unknown key'],
    ['a wrong type', () => `grpc:\n${tlsYaml()}session:\n  ttl_seconds: "1d"\n`, 'session.ttl_seconds: got "1d", expected number'],
    ['a bad enum value', () => `grpc:\n${tlsYaml()}log:\n  level: loud\n`, 'log.level: got "loud", expected one of'],
    [
      'a missing certificate file',
      () => `grpc:\n  tls:\n    cert_file: /nonexistent/server.crt\n    key_file: ${pki.server.keyFile}\n    client_ca_file: ${pki.caFile}\n`,
      'grpc.tls.cert_file: "/nonexistent/server.crt": file not found',
    ],
    ['a bad listen address', () => `grpc:\n  listen: 127.0.0.1:70000\n${tlsYaml()}`, 'grpc.listen: got "127.0.0.1:70000"'],
    ['a role that does not exist', () => `grpc:\n${tlsYaml()}  access:\n    identities:\n      portal: superuser\n`, 'grpc.access.identities.portal: got "superuser"'],
  ])('exits 2 on %s, naming the key', async (_name, yamlText, expected) => {
    const path = writeRawConfig(pki, `bad-${Math.random().toString(36).slice(2)}`, yamlText());
    const { exit, stderr, lines } = await runToExit(['--config', path]);
    expect(exit.code).toBe(2);
    expect(stderr).toContain(expected);
    expect(stderr).toContain(path);
    expect(lines.find((line) => line.msg === 'agent started')).toBeUndefined();
  });

  it('exits 2 when the config file does not exist', async () => {
    const { exit, stderr } = await runToExit(['--config', '/nonexistent/agent.yaml']);
    expect(exit.code).toBe(2);
    expect(stderr).toContain('config file: file not found');
  });

  it('reads the config path from OCSERV_AGENT_CONFIG', async () => {
    const { exit, stderr } = await runToExit([], { OCSERV_AGENT_CONFIG: '/nonexistent/from-env.yaml' });
    expect(exit.code).toBe(2);
    expect(stderr).toContain('/nonexistent/from-env.yaml');
  });

  it('exits 2 on an unknown OCSERV_AGENT_ environment variable', async () => {
    const path = writeAgentConfig(pki, 'good-for-env');
    const { exit, stderr } = await runToExit(['--config', path], { OCSERV_AGENT_GRPC_LISTEN: '0.0.0.0:1' });
    expect(exit.code).toBe(2);
    expect(stderr).toContain('OCSERV_AGENT_GRPC_LISTEN: unknown environment variable');
  });

  it('exits 2 when an environment override points at a missing key file', async () => {
    const path = writeAgentConfig(pki, 'good-for-key-env');
    const { exit, stderr } = await runToExit(['--config', path], { OCSERV_AGENT_GRPC_TLS_KEY_FILE: '/nonexistent/key.pem' });
    expect(exit.code).toBe(2);
    expect(stderr).toContain('grpc.tls.key_file: "/nonexistent/key.pem": file not found');
  });

  it('exits 2 on an unknown command-line argument', async () => {
    const { exit, stderr } = await runToExit(['--confg', '/etc/x.yaml']);
    expect(exit.code).toBe(2);
    expect(stderr).toContain('--confg: unknown argument');
  });
});
