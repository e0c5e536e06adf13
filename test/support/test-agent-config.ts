import { AgentConfig, agentConfigSchema } from '../../src/config/agent-config.schema';
import type { TestPki } from './test-pki';

/** Common names the test PKI issues, and the role each is granted. */
export const TEST_IDENTITIES = {
  admin: 'portal-admin',
  operator: 'portal-operator',
  reader: 'monitoring',
  stranger: 'stranger',
} as const;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

/**
 * The config a test agent runs with, as an operator would write it (not yet
 * validated): mTLS with the test PKI, random ports, the TEST_IDENTITIES roles.
 */
export function testAgentRawConfig(pki: TestPki, agentId = 'test-agent'): Record<string, unknown> {
  return {
    agent: { id: agentId },
    grpc: {
      listen: '127.0.0.1:0',
      tls: { cert_file: pki.server.certFile, key_file: pki.server.keyFile, client_ca_file: pki.caFile },
      access: {
        identities: {
          [TEST_IDENTITIES.admin]: 'admin',
          [TEST_IDENTITIES.operator]: 'operator',
          [TEST_IDENTITIES.reader]: 'reader',
        },
      },
      shutdown_timeout_ms: 5000,
    },
    http: { listen: '127.0.0.1:0' },
    log: { level: 'warn' },
    // No ocserv unless a suite starts a lab (ocserv-lab/lab-agent.ts): a socket
    // that does not exist, sessions from NotifyConnect only, no event stream.
    // Config dirs that do not exist either: a suite that writes per-user files passes its own temp dirs,
    // and no test may write into this machine's /etc/ocserv.
    ocserv: {
      socket_file: '/nonexistent/ocserv-agent-test/occtl.sock',
      sync_sessions: false,
      events: false,
      config_per_user_dir: '/nonexistent/ocserv-agent-test/config-per-user',
      config_per_group_dir: '/nonexistent/ocserv-agent-test/config-per-group',
    },
    main_config: { path: '/nonexistent/ocserv-agent-test/ocserv.conf' },
    // No hook socket unless a suite asks for one (each agent needs its own path).
    ipc: { enabled: false },
    authorization: { mode: 'static', static: { allowed: true, routes: ['10.10.0.0/16'], dns_servers: ['10.10.0.53'] } },
  };
}

/** testAgentRawConfig with `overrides` merged in, validated by the real schema. */
export function testAgentConfig(pki: TestPki, overrides: DeepPartial<AgentConfig> = {}): AgentConfig {
  return agentConfigSchema.parse(deepMerge(testAgentRawConfig(pki), overrides));
}

export function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const existing = result[key];
    result[key] =
      isPlainObject(existing) && isPlainObject(value) ? deepMerge(existing, value) : value;
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
