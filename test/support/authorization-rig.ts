import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildHook, HOOK_BINARY, writeHookConfig, type OnAgentUnreachable } from './hook';
import { startLabAgent } from './ocserv-lab/lab-agent';
import { OcservLab, type LabUser } from './ocserv-lab/ocserv-lab';
import { ocservRuntime } from './ocserv-lab/ocserv-runtime';
import { defaultLabVersion } from './ocserv-lab/ocserv-versions';
import { agentPortalTls, startPortalSimulator, TEST_POLICY_YAML, testPolicy, type TestPortal } from './portal-sim';
import type { TestAgent } from './test-agent';
import { deepMerge } from './test-agent-config';
import { createTestPki, type TestPki } from './test-pki';
import { MetricsRegistry } from '../../src/metrics/metrics-registry';

/*
 * The whole connection-authorization path, for real: a real ocserv (the lab) runs
 * the compiled hook as connect- and disconnect-script; the hook talks to an
 * in-process agent over its Unix socket; the agent asks the portal simulator
 * over mTLS. Agents can be stopped and started again with other settings
 * (fail modes) against the same ocserv, socket path and portal. For an ocserv
 * under chroot (OCSERV_LAB_VERSION=1.3.0 / 1.5.0) the rig's dir is inside its
 * rootfs, so the hook (copied in by the lab) reaches hook.conf and the agent's
 * socket by their paths inside.
 */

/** The rig's portal answers from the test policy (portal-sim.ts): alice and group staff allowed, bob denied, the rest by default denied. */
/** Everyone but bob and dave is allowed: bob by his own entry, dave because only the default covers him. */
export const RIG_USERS = {
  alice: user('alice'),
  bob: user('bob'),
  carol: user('carol', 'staff'),
  dave: user('dave'),
  erin: user('erin', 'staff'),
  frank: user('frank', 'staff'),
  grace: user('grace', 'staff'),
  heidi: user('heidi', 'staff'),
  ivan: user('ivan', 'staff'),
  judy: user('judy', 'staff'),
} as const;

function user(username: string, group?: string): LabUser {
  return group === undefined ? { username, password: `${username}-pw` } : { username, password: `${username}-pw`, group };
}

type AgentOverrides = Parameters<typeof startLabAgent>[1];

export interface AuthorizationRig {
  readonly lab: OcservLab;
  readonly portal: TestPortal;
  readonly pki: TestPki;
  readonly socketPath: string;
  agent(): TestAgent;
  /** Stops the current agent (if any) and starts one in portal mode with `overrides` on top. */
  startAgent(overrides?: AgentOverrides): Promise<TestAgent>;
  stopAgent(): Promise<void>;
  setHookConfig(input: { timeoutMs?: number; onAgentUnreachable?: OnAgentUnreachable }): void;
  stop(): Promise<void>;
}

export interface AuthorizationRigOptions {
  /** Extra `key = value` lines for the lab's ocserv.conf (e.g. a short idle-timeout). */
  readonly extraConfig?: readonly string[];
}

export async function startAuthorizationRig(options: AuthorizationRigOptions = {}): Promise<AuthorizationRig> {
  buildHook();
  const runtime = ocservRuntime(defaultLabVersion());
  // 0755, not mkdtemp's 0700: ocserv (root) runs the hook, which reads hook.conf and reaches the socket here.
  // Under chroot the ocserv-lab- prefix lets the lab's cleanup remove it a day after a crashed run; short,
  // because the agent's socket in it (and the temporary one it binds first) must fit in 107 bytes.
  const dir = mkdtempSync(join(runtime.labParentDir, 'ocserv-lab-rig-'));
  chmodSync(dir, 0o755);
  const pki = createTestPki(dir);
  const socketPath = join(dir, 'hook.sock');
  const hookConfigFile = join(dir, 'hook.conf');
  const setHookConfig: AuthorizationRig['setHookConfig'] = (input) =>
    void writeHookConfig(dir, {
      socket: runtime.insidePath(socketPath),
      timeoutMs: input.timeoutMs ?? 5000,
      onAgentUnreachable: input.onAgentUnreachable,
    });
  setHookConfig({});
  const portal = await startPortalSimulator(testPolicy(TEST_POLICY_YAML), { pki });
  const lab = await OcservLab.start({
    users: Object.values(RIG_USERS),
    connectScript: HOOK_BINARY,
    disconnectScript: HOOK_BINARY,
    env: { OCSERV_AGENT_HOOK_CONFIG: runtime.insidePath(hookConfigFile) },
    extraConfig: options.extraConfig ?? [],
  });
  let current: TestAgent | undefined;
  const stopAgent = async () => {
    await current?.stop();
    current = undefined;
  };
  return {
    lab,
    portal,
    pki,
    socketPath,
    agent: () => {
      if (current === undefined) throw new Error('no agent running');
      return current;
    },
    async startAgent(overrides = {}) {
      await stopAgent();
      current = await startLabAgent(lab, mergeOverrides(portalModeConfig(portal, pki, socketPath), overrides));
      // The agent connects to the portal at boot; a test that stops the portal right away must
      // not race that handshake (a connection the simulator accepted just before its outage is served).
      await waitForPortalChannel(current);
      return current;
    },
    stopAgent,
    setHookConfig,
    async stop() {
      await stopAgent();
      await lab.stop();
      await portal.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function portalModeConfig(
  portal: TestPortal,
  pki: TestPki,
  socketPath: string,
): NonNullable<AgentOverrides> {
  return {
    authorization: { mode: 'portal', fail_mode: 'close', decision_timeout_ms: 1000 },
    portal: {
      address: portal.simulator.address,
      tls: agentPortalTls(pki),
      call_timeout_ms: 800,
      reconnect_backoff_initial_ms: 100,
      reconnect_backoff_max_ms: 500,
    },
    ipc: { enabled: true, socket_path: socketPath },
  };
}

function mergeOverrides(base: NonNullable<AgentOverrides>, extra: NonNullable<AgentOverrides>): NonNullable<AgentOverrides> {
  return deepMerge(base as Record<string, unknown>, extra as Record<string, unknown>) as NonNullable<AgentOverrides>;
}

const PORTAL_CHANNEL_READY = 2;

async function waitForPortalChannel(agent: TestAgent, timeoutMs = 5000): Promise<void> {
  const gauge = agent.agent.app.get(MetricsRegistry).getSingleMetric('ocserv_agent_portal_channel_state');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { values } = (await gauge?.get()) ?? { values: [] };
    if (values[0]?.value === PORTAL_CHANNEL_READY) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the agent's portal channel was not ready within ${timeoutMs} ms`);
}

