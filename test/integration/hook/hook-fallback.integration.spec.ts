import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentPortalTls, startPortalSimulator, TEST_POLICY_YAML, testPolicy, type TestPortal } from '../../support/portal-sim';
import { createTestPki } from '../../support/test-pki';
import { startTestAgent, type TestAgent } from '../../support/test-agent';
import { HookSocketClient } from '../ipc/hook-socket-client';
import { eventually, metricValue } from '../ipc/ipc-test-support';
import { buildHook, HookRun, runHook, writeHookConfig } from './hook-runner';

/*
 * on_agent_unreachable=allow must let a user in only when the agent is really absent. The real
 * hook binary against the real agent (local policy: alice allowed, dave denied by default), and
 * against a listener that is not the agent: every case here is one the agent creates on purpose
 * or one that is not absence, so each must deny.
 */

jest.setTimeout(60_000);

const NOBODY = { uid: 65534, gid: 65534 };
const AGENT_MAX_REQUEST_BYTES = 64 * 1024;
const HOOK_CEILING_BYTES = 1024 * 1024;
const ROUTE_VALUE_BYTES = 4000;
const runningAsRoot = process.getuid?.() === 0;

const connectEnv = (username: string, id: string): Record<string, string> => ({
  REASON: 'connect',
  USERNAME: username,
  ID: id,
  IP_REAL: '203.0.113.20',
  IP_REMOTE: '192.168.99.20',
  DEVICE: 'vpns0',
});

/** Many OCSERV_ROUTES_n values (a variable the hook forwards) adding up to about `bytes`. */
function paddedRoutes(bytes: number): Record<string, string> {
  const count = Math.ceil(bytes / ROUTE_VALUE_BYTES);
  const value = (i: number): string => `10.${i % 256}.0.0/16 `.repeat(ROUTE_VALUE_BYTES / 10).slice(0, ROUTE_VALUE_BYTES);
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`OCSERV_ROUTES_${i}`, value(i)]));
}

/**
 * `env` plus OCSERV_ROUTES_n values so that the hook's request line (hook.conf timeout_ms 3000)
 * is exactly `bytes` long without its newline. ASCII values: the hook's JSON is JSON.stringify's.
 */
function envOfRequestBytes(env: Record<string, string>, bytes: number): Record<string, string> {
  const lineOf = (e: Record<string, string>): number => JSON.stringify({ op: 'connect', budget_ms: 3000, env: e }).length;
  const padded: Record<string, string> = { ...env };
  for (let i = 0; lineOf(padded) < bytes; i += 1) {
    padded[`OCSERV_ROUTES_${i}`] = '';
    padded[`OCSERV_ROUTES_${i}`] = '10.0.0.0/8'.padEnd(Math.min(8000, bytes - lineOf(padded)), ' ');
  }
  if (lineOf(padded) !== bytes) throw new Error(`padding missed: ${lineOf(padded)} bytes`);
  return padded;
}

describe('the hook allow fallback against the real agent', () => {
  let dir: string;
  let socket: string;
  let agent: TestAgent;
  let sequence = 0;
  const nextId = (): string => String(9000 + (sequence += 1));

  /** A hook.conf with on_agent_unreachable=allow in a fresh 0755 directory (nobody can read it). */
  const allowConfig = (extra: Partial<Parameters<typeof writeHookConfig>[1]> = {}): string => {
    const confDir = mkdtempSync(join(dir, 'conf-'));
    chmodSync(confDir, 0o755);
    return writeHookConfig(confDir, { socket, timeoutMs: 3000, onAgentUnreachable: 'allow', ...extra });
  };

  beforeAll(async () => {
    buildHook();
    dir = mkdtempSync(join(tmpdir(), 'hook-fallback-'));
    chmodSync(dir, 0o755);
    socket = join(dir, 'hook.sock');
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, TEST_POLICY_YAML);
    agent = await startTestAgent({
      authorization: { mode: 'local', local: { policy_file: policyFile } },
      ipc: { enabled: true, socket_path: socket, max_request_bytes: AGENT_MAX_REQUEST_BYTES, max_connections: 3 },
    });
  });

  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('allows alice and denies dave with an unpadded request (the rig decides both ways)', async () => {
    const config = allowConfig();

    const alice = await runHook(connectEnv('alice', nextId()), { config });
    const dave = await runHook(connectEnv('dave', nextId()), { config });

    expect(alice.code).toBe(0);
    expect(dave.code).toBe(1);
    expect(dave.stderr).toMatch(/agent denied user dave: not in policy/);
  });

  describe('a request over the agent\'s ipc.max_request_bytes', () => {
    it.each([300_000, 600_000, 1_000_000])(
      'denies dave padded to %i bytes 3 of 3 times, logging the agent\'s refusal, when the hook\'s cap is larger (1 MiB)',
      async (bytes) => {
        const config = allowConfig({ maxRequestBytes: HOOK_CEILING_BYTES });
        const runs: HookRun[] = [];

        for (let attempt = 0; attempt < 3; attempt += 1) runs.push(await runHook({ ...connectEnv('dave', nextId()), ...paddedRoutes(bytes) }, { config }));

        expect(runs.map((run) => run.code)).toEqual([1, 1, 1]);
        for (const run of runs) {
          // Read as the answer when the kernel took the whole request first, else after the agent closed mid-send.
          expect(run.stderr).toMatch(/(agent denied user dave: |refusing it with: )request line is longer than 65536 bytes(; denying user dave)?\n$/);
          expect(run.stderr).not.toMatch(/allowing/);
        }
      },
    );

    it('agrees with the agent to the byte: a 65536-byte line reaches a decision, one byte more is refused by the hook', async () => {
      const config = allowConfig();
      const exactly = await runHook(envOfRequestBytes(connectEnv('alice', nextId()), AGENT_MAX_REQUEST_BYTES), { config });
      const oneMore = await runHook(envOfRequestBytes(connectEnv('alice', nextId()), AGENT_MAX_REQUEST_BYTES + 1), { config });

      expect(exactly.stderr).toBe('');
      expect(exactly.code).toBe(0);
      expect(oneMore.code).toBe(1);
      expect(oneMore.stderr).toBe('ocserv-agent-hook: request larger than max_request_bytes=65536; denying user alice\n');
    });

    it('is denied by the hook itself, without asking the agent, with the default max_request_bytes (the agent\'s default)', async () => {
      const run = await runHook({ ...connectEnv('alice', nextId()), ...paddedRoutes(100_000) }, { config: allowConfig() });

      expect(run.code).toBe(1);
      expect(run.stderr).toBe('ocserv-agent-hook: request larger than max_request_bytes=65536; denying user alice\n');
    });
  });

  describe('over ipc.max_connections', () => {
    let held: HookSocketClient[] = [];

    afterEach(() => {
      held.forEach((client) => client.destroy());
      held = [];
    });

    it('lets alice in past idle connections holding every slot: the oldest idle one makes room', async () => {
      const config = allowConfig();
      held = await Promise.all([1, 2, 3].map(() => HookSocketClient.connect(socket)));
      await eventually(() => metricValue(agent.agent.app, 'ocserv_agent_ipc_connections'), 3);

      const alice = await runHook(connectEnv('alice', nextId()), { config });
      const dave = await runHook(connectEnv('dave', nextId()), { config });

      expect(alice.code).toBe(0);
      expect(dave.code).toBe(1);
      expect(dave.stderr).toMatch(/agent denied user dave: not in policy/);
      expect(await metricValue(agent.agent.app, 'ocserv_agent_ipc_rejected_total', { reason: 'evicted' })).toBeGreaterThanOrEqual(1);
    });

    describe('every slot with a request being decided (the portal hangs)', () => {
      let portal: TestPortal;
      let busyAgent: TestAgent;
      let busySocket: string;

      beforeAll(async () => {
        const portalDir = mkdtempSync(join(dir, 'portal-'));
        const pki = createTestPki(portalDir);
        portal = await startPortalSimulator(testPolicy(TEST_POLICY_YAML), { pki });
        busySocket = join(dir, 'busy.sock');
        busyAgent = await startTestAgent({
          authorization: { mode: 'portal', fail_mode: 'close' },
          portal: {
            address: portal.simulator.address,
            tls: agentPortalTls(pki),
          },
          ipc: { enabled: true, socket_path: busySocket, max_connections: 3 },
        });
      });

      afterAll(async () => {
        await busyAgent?.stop();
        await portal?.stop();
      });

      it("denies dave with the agent's refusal (never the allow fallback), and decides again once a slot frees up", async () => {
        const config = allowConfig({ socket: busySocket });
        portal.simulator.setHang(true);
        const waiting = [1, 2, 3].map(() => runHook(connectEnv('alice', nextId()), { config }));
        await eventually(() => metricValue(busyAgent.agent.app, 'ocserv_agent_ipc_connections'), 3);
        // Accepted is not yet read: give the agent time to take each request (the portal holds them for 2.75 s).
        await new Promise((resolve) => setTimeout(resolve, 500));

        const dave = await runHook(connectEnv('dave', nextId()), { config });
        portal.simulator.setHang(false);
        const held = await Promise.all(waiting);
        const aliceLater = await runHook(connectEnv('alice', nextId()), { config });

        expect(dave.code).toBe(1);
        expect(dave.stderr).toMatch(/refused: 3 connections are open, each with a request being decided \(ipc\.max_connections\)/);
        expect(dave.stderr).not.toMatch(/allowing/);
        // The three the portal held were decided by the agent (the portal answered once it stopped hanging), not by the hook.
        expect(held.map((run) => run.stderr).join('')).not.toMatch(/allowing|unreachable/);
        expect(aliceLater.code).toBe(0);
      });
    });
  });

  (runningAsRoot ? describe : describe.skip)('who may answer, and who may ask', () => {
    let impostorDir: string;
    let impostor: ChildProcess | undefined;

    beforeAll(async () => {
      impostorDir = join(dir, 'impostor');
      mkdirSync(impostorDir, { mode: 0o755 });
      chownSync(impostorDir, NOBODY.uid, NOBODY.gid);
      impostor = await startImpostor(join(impostorDir, 'hook.sock'));
    });

    afterAll(() => {
      impostor?.kill('SIGTERM');
    });

    it('does not believe {"allowed":true} from a listener running as another uid (nobody)', async () => {
      const config = allowConfig({ socket: join(impostorDir, 'hook.sock') });

      const run = await runHook(connectEnv('dave', nextId()), { config });

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/the process listening on the socket \(pid \d+\) runs as uid 65534, not root or agent_uid=0: not trusted; denying user dave\n$/);
    });

    it('believes that listener once hook.conf names its uid as agent_uid (so the uid check is what denied)', async () => {
      const config = allowConfig({ socket: join(impostorDir, 'hook.sock'), agentUid: NOBODY.uid });

      const run = await runHook(connectEnv('dave', nextId()), { config });

      expect(run.code).toBe(0);
    });

    it('denies when the hook\'s uid may not connect to the agent socket (EACCES is a configuration error, not absence)', async () => {
      const run = await runHook(connectEnv('alice', nextId()), { config: allowConfig(), runAs: NOBODY });

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/cannot connect: Permission denied \(a configuration error: this uid may not use the socket; .*\); denying user alice\n$/);
    });
  });
});

/** A node process running as nobody that answers every line with allowed:true; resolves once it listens. */
function startImpostor(path: string): Promise<ChildProcess> {
  const script = [
    "const net = require('node:net');",
    "net.createServer((s) => { s.on('error', () => {}); s.on('data', (d) => { if (d.includes(10)) s.end('{\"allowed\":true}\\n'); }); })",
    `  .listen(${JSON.stringify(path)}, () => process.stdout.write('listening\\n'));`,
  ].join('\n');
  const child = spawn(process.execPath, ['-e', script], { ...NOBODY, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`impostor exited ${code}: ${stderr}`)));
  });
}
