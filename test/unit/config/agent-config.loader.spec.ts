import { loadAgentConfig } from '../../../src/config/agent-config.loader';
import { agentConfigSchema } from '../../../src/config/agent-config.schema';
import { ConfigError } from '../../../src/config/config-error';
import { MAX_CONFIG_FILE_BYTES, MAX_CONFIG_YAML_ALIAS_COUNT } from '../../../src/config/config-limits.constant';
import { DEFAULT_CONFIG_PATH } from '../../../src/config/config-sources.constant';
import { configErrorFrom } from '../builders/caught-error';
import { ConfigWorkspace, DUMMY_CERTIFICATE_PEM } from '../builders/config-workspace';

type Env = Record<string, string | undefined>;

describe(loadAgentConfig.name, () => {
  let ws: ConfigWorkspace;

  beforeEach(() => {
    ws = new ConfigWorkspace();
  });

  afterEach(() => {
    ws.remove();
  });

  /** Loads `yaml` (with this workspace's TLS files unless the test writes its own grpc.tls) via --config. */
  function load(yaml: string, env: Env = {}) {
    return loadAgentConfig({ argv: ['--config', ws.file('agent.yaml', yaml)], env });
  }

  function problemsOf(yaml: string, env: Env = {}): readonly string[] {
    return configErrorFrom(() => load(yaml, env)).problems;
  }

  const tlsEnv = (): Env => ({
    OCSERV_AGENT_GRPC_TLS_CERT_FILE: ws.certFile,
    OCSERV_AGENT_GRPC_TLS_KEY_FILE: ws.keyFile,
    OCSERV_AGENT_GRPC_TLS_CLIENT_CA_FILE: ws.caFile,
  });

  describe('defaults', () => {
    it('gives every key its default when the file is empty', () => {
      const { config } = load('', tlsEnv());

      expect(config).toEqual(
        agentConfigSchema.parse({
          grpc: { tls: { cert_file: ws.certFile, key_file: ws.keyFile, client_ca_file: ws.caFile } },
        }),
      );
      expect(config.grpc.listen).toBe('0.0.0.0:9090');
      expect(config.authorization.cache.max_bytes).toBe(128 * 1024 * 1024);
      expect(config.session).toEqual({
        ttl_seconds: 86_400,
        max_sessions: 100_000,
        max_metadata_bytes: 16 * 1024,
        max_total_metadata_bytes: 128 * 1024 * 1024,
        cleanup_interval_seconds: 60,
        reconcile_interval_seconds: 30,
      });
    });

    it('treats a file holding only comments as empty', () => {
      expect(load('# nothing configured yet\n', tlsEnv()).config.log).toEqual({ level: 'info', format: 'json', max_streams_per_source: 16 });
    });

    it('returns the absolute path the config came from', () => {
      expect(load(ws.tlsYaml()).path).toBe(`${ws.dir}/agent.yaml`);
    });
  });

  describe('where the file is', () => {
    it('reads the path after --config', () => {
      const path = ws.file('custom.yaml', 'log:\n  level: debug\ngrpc:\n  insecure: true\n');

      expect(loadAgentConfig({ argv: ['--config', path], env: {} }).config.log.level).toBe('debug');
    });

    it('reads --config=PATH', () => {
      const path = ws.file('custom.yaml', 'log:\n  level: warn\ngrpc:\n  insecure: true\n');

      expect(loadAgentConfig({ argv: [`--config=${path}`], env: {} }).path).toBe(path);
    });

    it('reads OCSERV_AGENT_CONFIG when there is no --config', () => {
      const path = ws.file('from-env.yaml', 'grpc:\n  insecure: true\n');

      expect(loadAgentConfig({ argv: [], env: { OCSERV_AGENT_CONFIG: path } }).path).toBe(path);
    });

    it('prefers --config over OCSERV_AGENT_CONFIG', () => {
      const fromArgv = ws.file('argv.yaml', 'grpc:\n  insecure: true\n');
      const fromEnv = ws.file('env.yaml', 'grpc:\n  insecure: true\n');

      expect(loadAgentConfig({ argv: ['--config', fromArgv], env: { OCSERV_AGENT_CONFIG: fromEnv } }).path).toBe(fromArgv);
    });

    it(`falls back to ${DEFAULT_CONFIG_PATH}`, () => {
      let readFrom: string;
      try {
        readFrom = loadAgentConfig({ argv: [], env: {} }).path;
      } catch (error) {
        readFrom = (error as ConfigError).source;
      }

      expect(readFrom).toBe(DEFAULT_CONFIG_PATH);
    });

    it('reports a missing file with the ways to name another one', () => {
      const missing = `${ws.dir}/nope.yaml`;

      const error = configErrorFrom(() => loadAgentConfig({ argv: ['--config', missing], env: {} }));

      expect(error.source).toBe(missing);
      expect(error.problems).toEqual([
        `config file: file not found; pass --config PATH or set OCSERV_AGENT_CONFIG (default ${DEFAULT_CONFIG_PATH})`,
      ]);
    });

    it.each([
      ['an unknown flag', ['--verbose']],
      ['a bare word', ['start']],
      ['an unknown flag before --config', ['--debug', '--config', '/tmp/x.yaml']],
    ])('refuses %s on the command line', (_, argv) => {
      const error = configErrorFrom(() => loadAgentConfig({ argv, env: {} }));

      expect(error.source).toBe('command line');
      expect(error.problems).toEqual([`${argv[0]}: unknown argument, expected --config PATH`]);
    });

    it('refuses an unknown argument after --config PATH', () => {
      const path = ws.file('agent.yaml', 'grpc:\n  insecure: true\n');

      const error = configErrorFrom(() => loadAgentConfig({ argv: ['--config', path, '--verbose'], env: {} }));

      expect(error.problems).toEqual(['--verbose: unknown argument, expected --config PATH']);
    });

    it.each([
      ['--config without a value', ['--config']],
      ['--config with an empty value', ['--config', '']],
      ['--config= with an empty value', ['--config=']],
    ])('refuses %s', (_, argv) => {
      const error = configErrorFrom(() => loadAgentConfig({ argv, env: {} }));

      expect(error.problems).toEqual(['--config: missing, expected a path to the YAML config file']);
    });
  });

  describe('YAML', () => {
    it('reports a syntax error with its position', () => {
      const [problem, ...rest] = problemsOf('grpc: [\n');

      expect(rest).toEqual([]);
      expect(problem).toMatch(/^YAML: .* at line \d+, column \d+/);
    });

    it('refuses a duplicated key instead of keeping the last one', () => {
      expect(problemsOf('log:\n  level: info\nlog:\n  level: warn\n')).toEqual([
        'YAML: key "log" appears twice in one mapping (again at line 3, column 1)',
      ]);
    });

    it('refuses a "billion laughs" alias bomb quickly, as a problem rather than a throw', () => {
      const levels = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
      for (let level = 1; level < 9; level += 1) levels.push(`a${level}: &a${level} [${Array(9).fill(`*a${level - 1}`).join(', ')}]`);
      const startedAt = Date.now();

      expect(problemsOf(levels.join('\n'))).toEqual([
        `YAML: aliases (*name) expand to more than ${MAX_CONFIG_YAML_ALIAS_COUNT} nodes; write the value out where it is used`,
      ]);
      expect(Date.now() - startedAt).toBeLessThan(1000);
    });

    it('allows an anchor used a few times', () => {
      const { config } = load(`${ws.tlsYaml()}\nhttp:\n  listen: &local 127.0.0.1:9191\n`);

      expect(config.http.listen).toBe('127.0.0.1:9191');
    });

    it('refuses an alias without an anchor before it', () => {
      expect(problemsOf('log:\n  level: *nowhere\n')).toEqual([expect.stringMatching(/^YAML: Unresolved alias.*nowhere/)]);
    });

    it('refuses a YAML 1.1 tag rather than building a non-plain value', () => {
      expect(problemsOf('grpc:\n  insecure: !!binary aGVsbG8=\n')).toEqual([expect.stringMatching(/^YAML: Unresolved tag/)]);
    });

    it('refuses a file larger than the cap unparsed', () => {
      expect(problemsOf(`#${'x'.repeat(MAX_CONFIG_FILE_BYTES)}`)).toEqual([
        `config file: ${MAX_CONFIG_FILE_BYTES + 1} bytes, more than the ${MAX_CONFIG_FILE_BYTES} allowed; pass --config PATH or set OCSERV_AGENT_CONFIG (default ${DEFAULT_CONFIG_PATH})`,
      ]);
    });

    it.each([
      ['a list', '- grpc\n- http\n'],
      ['a scalar', 'hello\n'],
    ])('refuses %s at the top level', (_, yaml) => {
      expect(problemsOf(yaml)).toEqual(['(top level): expected a mapping of sections (grpc:, http:, log: ...)']);
    });
  });

  describe('empty sections', () => {
    it('treats a section whose lines are all commented out as "use the defaults"', () => {
      const { config } = load('grpc:\n  # listen: 0.0.0.0:9090\nlog:\nsession:\n  ttl_seconds:\n', tlsEnv());

      expect(config.grpc.listen).toBe('0.0.0.0:9090');
      expect(config.log.level).toBe('info');
      expect(config.session.ttl_seconds).toBe(86400);
    });
  });

  describe('schema problems name the key, the value and what was expected', () => {
    it('reports an unknown top-level key with the known keys', () => {
      expect(problemsOf(`${ws.tlsYaml()}\nsesion:\n  ttl_seconds: 60\n`)).toEqual([
        'sesion: unknown key (known keys here: agent, grpc, http, log, session, ocserv, authorization, portal, ipc, user_config, main_config, events, revalidation)',
      ]);
    });

    it('reports an unknown nested key with the keys known at that level', () => {
      expect(problemsOf(`${ws.tlsYaml()}\n    crt_file: /x\n`)).toEqual([
        'grpc.tls.crt_file: unknown key (known keys here: cert_file, key_file, client_ca_file)',
      ]);
    });

    it('reports a string where a number is expected', () => {
      expect(problemsOf(`${ws.tlsYaml()}\nsession:\n  ttl_seconds: "1d"\n`)).toEqual([
        'session.ttl_seconds: got "1d", expected number',
      ]);
    });

    it('reports a number where a boolean is expected', () => {
      expect(problemsOf(`${ws.tlsYaml()}\n  insecure: 1\n`)).toEqual(['grpc.insecure: got 1, expected boolean']);
    });

    it('reports a list where a mapping is expected', () => {
      expect(problemsOf(`${ws.tlsYaml()}\n  access: [admin]\n`)).toEqual(['grpc.access: got a list, expected object']);
    });

    it('reports a number out of range with the bound', () => {
      expect(problemsOf(`${ws.tlsYaml()}\nsession:\n  max_sessions: 0\n`)).toEqual([
        'session.max_sessions: got 0, expected a whole number >= 1',
      ]);
    });

    it('reports a bad log.level with the allowed values', () => {
      expect(problemsOf(`${ws.tlsYaml()}\nlog:\n  level: loud\n`)).toEqual([
        'log.level: got "loud", expected one of "fatal", "error", "warn", "info", "debug", "trace"',
      ]);
    });

    it('reports a role that cannot be granted in grpc.access.identities', () => {
      expect(problemsOf(`${ws.tlsYaml()}\n  access:\n    identities:\n      portal-admin: root\n`)).toEqual([
        'grpc.access.identities.portal-admin: got "root", expected one of "reader", "operator", "admin"',
      ]);
    });

    it('reports a port above 65535 once', () => {
      expect(problemsOf(`${ws.tlsYaml()}\n  listen: "0.0.0.0:70000"\n`)).toEqual([
        'grpc.listen: got "0.0.0.0:70000", expected host:port with a port 0-65535, e.g. 0.0.0.0:9090 or [::]:9090',
      ]);
    });

    it('reports a listen address without a port once', () => {
      expect(problemsOf(`${ws.tlsYaml()}\nhttp:\n  listen: localhost\n`)).toEqual([
        'http.listen: got "localhost", expected host:port with a port 0-65535, e.g. 0.0.0.0:9090 or [::]:9090',
      ]);
    });

    it('reports every problem of the file at once', () => {
      const problems = problemsOf(
        `${ws.tlsYaml()}\n  insecure: "yes"\n  listen: ":x"\nlog:\n  level: loud\nsession:\n  ttl_seconds: -5\nextra: 1\n`,
        { OCSERV_AGENT_FOO: '1' },
      );

      expect(problems).toHaveLength(6);
      expect(problems.map((problem) => problem.split(':')[0])).toEqual(
        expect.arrayContaining(['OCSERV_AGENT_FOO', 'grpc.insecure', 'grpc.listen', 'log.level', 'session.ttl_seconds', 'extra']),
      );
    });
  });

  describe('environment overrides', () => {
    it('let OCSERV_AGENT_GRPC_TLS_* win over the file', () => {
      const otherCert = ws.file('other.crt', DUMMY_CERTIFICATE_PEM);
      const otherKey = ws.file('other.key', '-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----\n');
      const otherCa = ws.file('other-ca.crt', DUMMY_CERTIFICATE_PEM);

      const { config } = load(ws.tlsYaml(), {
        OCSERV_AGENT_GRPC_TLS_CERT_FILE: otherCert,
        OCSERV_AGENT_GRPC_TLS_KEY_FILE: otherKey,
        OCSERV_AGENT_GRPC_TLS_CLIENT_CA_FILE: otherCa,
      });

      expect(config.grpc.tls).toEqual({ cert_file: otherCert, key_file: otherKey, client_ca_file: otherCa });
    });

    it('keep the rest of the grpc section from the file', () => {
      const { config } = load(`${ws.tlsYaml()}\n  listen: "127.0.0.1:7000"\n`, { OCSERV_AGENT_GRPC_TLS_CERT_FILE: ws.caFile });

      expect(config.grpc.listen).toBe('127.0.0.1:7000');
      expect(config.grpc.tls.key_file).toBe(ws.keyFile);
    });

    it('refuse an unknown OCSERV_AGENT_ variable, listing the known ones', () => {
      expect(problemsOf(ws.tlsYaml(), { OCSERV_AGENT_FOO: 'bar' })).toEqual([
        'OCSERV_AGENT_FOO: unknown environment variable (known: OCSERV_AGENT_CONFIG, OCSERV_AGENT_GRPC_TLS_CERT_FILE, ' +
          'OCSERV_AGENT_GRPC_TLS_KEY_FILE, OCSERV_AGENT_GRPC_TLS_CLIENT_CA_FILE)',
      ]);
    });

    it('ignore variables without the OCSERV_AGENT_ prefix', () => {
      expect(() => load(ws.tlsYaml(), { PATH: '/usr/bin', HOME: '/root', OCSERV_AGENTX: '1' })).not.toThrow();
    });

    it('leave a wrongly typed grpc section for the schema to report', () => {
      expect(problemsOf('grpc: "on"\n', tlsEnv())).toEqual(['grpc: got "on", expected object']);
    });
  });

  describe('TLS files', () => {
    it('reports each missing default TLS file when none is configured', () => {
      const problems = problemsOf('');

      expect(problems).toEqual([
        'grpc.tls.cert_file: "/etc/ocserv-agent/tls/server.crt": file not found, expected a PEM certificate',
        'grpc.tls.key_file: "/etc/ocserv-agent/tls/server.key": file not found, expected a PEM private key',
        'grpc.tls.client_ca_file: "/etc/ocserv-agent/tls/ca.crt": file not found, expected a PEM CA certificate bundle',
      ]);
    });

    it('reports a missing certificate file', () => {
      const missing = `${ws.dir}/missing.crt`;

      expect(problemsOf(ws.tlsYaml({ cert_file: missing }))).toEqual([
        `grpc.tls.cert_file: "${missing}": file not found, expected a PEM certificate`,
      ]);
    });

    it('reports a certificate file that is not PEM', () => {
      const notPem = ws.file('server.der', 'this is not a certificate');

      expect(problemsOf(ws.tlsYaml({ cert_file: notPem }))).toEqual([
        `grpc.tls.cert_file: "${notPem}" does not contain a PEM certificate (no "-----BEGIN CERTIFICATE-----" line)`,
      ]);
    });

    it('refuses a certificate signing request in place of a certificate', () => {
      const csr = ws.file('server.csr', '-----BEGIN CERTIFICATE REQUEST-----\nTUlJQw==\n-----END CERTIFICATE REQUEST-----\n');

      expect(problemsOf(ws.tlsYaml({ cert_file: csr }))).toEqual([
        `grpc.tls.cert_file: "${csr}" does not contain a PEM certificate (no "-----BEGIN CERTIFICATE-----" line)`,
      ]);
    });

    it('accepts an EC private key in its SEC1 form', () => {
      const ecKey = ws.file('ec.key', '-----BEGIN EC PRIVATE KEY-----\nTUlJQw==\n-----END EC PRIVATE KEY-----\n');

      expect(load(ws.tlsYaml({ key_file: ecKey })).config.grpc.tls.key_file).toBe(ecKey);
    });

    it('reports a key file that holds a certificate instead of a private key', () => {
      expect(problemsOf(ws.tlsYaml({ key_file: ws.certFile }))).toEqual([
        `grpc.tls.key_file: "${ws.certFile}" does not contain a PEM private key (no "-----BEGIN PRIVATE KEY-----" line (or its RSA/EC form))`,
      ]);
    });

    it('reports a relative path, naming the config file', () => {
      expect(problemsOf(ws.tlsYaml({ cert_file: 'tls/server.crt' }))).toEqual([
        `grpc.tls.cert_file: got "tls/server.crt", expected an absolute path (relative paths depend on the working directory; config is ${ws.dir}/agent.yaml)`,
      ]);
    });

    it('reports a path that names a directory as a config problem', () => {
      const directory = ws.directory('tls');

      expect(problemsOf(ws.tlsYaml({ cert_file: directory }))).toEqual([
        `grpc.tls.cert_file: "${directory}": not a file, expected a PEM certificate`,
      ]);
    });

    it('reports an empty path', () => {
      expect(problemsOf(ws.tlsYaml({ key_file: '' }))).toEqual(['grpc.tls.key_file: got "", expected a non-empty file path']);
    });

    it('reports every bad TLS file at once', () => {
      expect(problemsOf(ws.tlsYaml({ cert_file: `${ws.dir}/a`, key_file: `${ws.dir}/b`, client_ca_file: `${ws.dir}/c` }))).toHaveLength(3);
    });

    it('are not checked with grpc.insecure: true', () => {
      const { config } = load('grpc:\n  insecure: true\n  tls:\n    cert_file: /nonexistent/server.crt\n');

      expect(config.grpc.insecure).toBe(true);
      expect(config.grpc.tls.cert_file).toBe('/nonexistent/server.crt');
    });
  });

  describe('authorization and portal', () => {
    const portalYaml = (extra = '') =>
      `${ws.tlsYaml()}\nauthorization:\n  mode: portal\nportal:\n  address: 127.0.0.1:9443\n  tls:\n` +
      `    cert_file: ${ws.certFile}\n    key_file: ${ws.keyFile}\n    ca_file: ${ws.caFile}\n${extra}`;

    it('accepts portal mode with an address and readable TLS files', () => {
      const { config } = load(portalYaml());

      expect(config.authorization.mode).toBe('portal');
      expect(config.authorization.fail_mode).toBe('close');
      expect(config.portal.address).toBe('127.0.0.1:9443');
    });

    it('refuses portal mode without portal.address', () => {
      expect(problemsOf(`${ws.tlsYaml()}\nauthorization:\n  mode: portal\n`)).toContain(
        'portal.address: authorization.mode is "portal" but portal.address is not set',
      );
    });

    it('reports a missing portal client certificate in portal mode only', () => {
      const missing = `${ws.dir}/portal.crt`;
      const yaml = `${ws.tlsYaml()}\nauthorization:\n  mode: portal\nportal:\n  address: 127.0.0.1:9443\n  tls:\n    cert_file: ${missing}\n    key_file: ${ws.keyFile}\n    ca_file: ${ws.caFile}\n`;

      expect(problemsOf(yaml)).toEqual([`portal.tls.cert_file: "${missing}": file not found, expected a PEM certificate`]);
      expect(load(yaml.replace('mode: portal', 'mode: static')).config.authorization.mode).toBe('static');
    });

    it('reports a missing portal client certificate with revalidation on in any mode (ValidateSession needs it)', () => {
      const missing = `${ws.dir}/portal.crt`;
      const yaml =
        `${ws.tlsYaml()}\nrevalidation:\n  enabled: true\nportal:\n  address: 127.0.0.1:9443\n  tls:\n` +
        `    cert_file: ${missing}\n    key_file: ${ws.keyFile}\n    ca_file: ${ws.caFile}\n`;

      expect(problemsOf(yaml)).toEqual([`portal.tls.cert_file: "${missing}": file not found, expected a PEM certificate`]);
    });

    it('reports a missing portal client certificate with events on in any mode (EventService needs it)', () => {
      const missing = `${ws.dir}/portal.crt`;
      const yaml =
        `${ws.tlsYaml()}\nevents:\n  enabled: true\nportal:\n  address: 127.0.0.1:9443\n  tls:\n` +
        `    cert_file: ${missing}\n    key_file: ${ws.keyFile}\n    ca_file: ${ws.caFile}\n`;

      expect(problemsOf(yaml)).toEqual([`portal.tls.cert_file: "${missing}": file not found, expected a PEM certificate`]);
    });

    it('refuses a portal call timeout longer than the decision budget', () => {
      const problems = problemsOf(`${portalYaml('  call_timeout_ms: 3000\n')}`);

      expect(problems.join('\n')).toMatch(/portal.call_timeout_ms must be <= authorization.decision_timeout_ms/);
    });

    it('refuses a stale window shorter than the fresh TTL', () => {
      const problems = problemsOf(`${ws.tlsYaml()}\nauthorization:\n  cache:\n    fresh_ttl_seconds: 600\n    stale_ttl_seconds: 60\n`);

      expect(problems.join('\n')).toMatch(/stale_ttl_seconds must be >= fresh_ttl_seconds/);
    });

    it('refuses an unknown fail mode, naming the allowed ones', () => {
      expect(problemsOf(`${ws.tlsYaml()}\nauthorization:\n  fail_mode: maybe\n`).join('\n')).toMatch(/authorization.fail_mode.*close.*open.*stale/);
    });

    it('loads the policy file at boot in local mode and reports its problems', () => {
      const policy = ws.file('policy.yaml', 'users:\n  alice: { allow: yes-please }\n');

      const problems = problemsOf(`${ws.tlsYaml()}\nauthorization:\n  mode: local\n  local:\n    policy_file: ${policy}\n`);

      expect(problems).toEqual([`authorization.local.policy_file: "${policy}": users.alice.allow: got "yes-please", expected boolean`]);
    });

    it('reports a missing policy file in local mode', () => {
      const problems = problemsOf(`${ws.tlsYaml()}\nauthorization:\n  mode: local\n  local:\n    policy_file: ${ws.dir}/none.yaml\n`);

      expect(problems[0]).toMatch(/none.yaml/);
    });
  });
});
