/*
 * Connection-authorization benchmark (issue: connection authorization). Real
 * parts only: the agent as an operator runs it (dist/main.js, its own process,
 * authorization.mode portal), the portal simulator (this process, mTLS), the
 * compiled hook, and for the storm a real ocserv with real openconnect clients.
 *   1. hook overhead: the hook answering from the agent's decision cache vs
 *      /bin/true, each spawned the way ocserv does (fork + exec + wait), alternated.
 *      Target p50 <= 10 ms, p99 <= 30 ms per invocation.
 *   2. IPC decisions per second with cache hits, 50 concurrent socket clients in
 *      a separate process (ipc-load.client.js): persistent connections (NDJSON,
 *      one request after another) and, as the hook does, one connection per request.
 *      Target >= 5,000/s.
 *   3. connect storm: 50 real openconnect clients at once, time until all have an
 *      address, with connect-script = the hook (cold cache: every user goes to the
 *      portal) vs /bin/true; the agent manages ocserv in both (only the script
 *      differs). Target ratio <= 1.3 and 100 % connected.
 * Prints a summary and writes bench/results/authorization.json.
 *   npm run bench -- authorization
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from '../e2e/support/agent-process';
import { writeAgentConfig } from '../e2e/support/config-file';
import { buildHook, HOOK_BINARY, writeHookConfig } from '../test/support/hook';
import { OcservLab, type LabUser } from '../test/support/ocserv-lab/ocserv-lab';
import { agentPortalTls, startPortalSimulator, testPolicy, type TestPortal } from '../test/support/portal-sim';
import { createTestPki, type TestPki } from '../test/support/test-pki';
import { elapsedMs, summarize } from './bench-stats';

const HOOK_RUNS = 500;
const IPC_CLIENTS = 50;
const IPC_DURATION_MS = 10_000;
const IPC_PER_REQUEST_DURATION_MS = 5_000;
const STORM_CLIENTS = 50;
const STORM_ROUNDS = 3;
const RESULTS_FILE = join(__dirname, 'results', 'authorization.json');
const TARGETS = { hook_p50_ms: 10, hook_p99_ms: 30, ipc_decisions_per_second: 5000, storm_ratio: 1.3 };
const POLICY = 'default: { allow: false, deny_reason: "not in policy" }\ngroups:\n  staff: { allow: true, routes: ["10.20.0.0/16"] }\n';

const stormUsers: LabUser[] = Array.from({ length: STORM_CLIENTS }, (_, i) => ({ username: `storm${i}`, password: `pw-${i}`, group: 'staff' }));

interface Rig {
  readonly dir: string;
  readonly pki: TestPki;
  readonly portal: TestPortal;
  readonly socketPath: string;
  readonly hookConfig: string;
}

async function startAgent(rig: Rig, ocserv: Record<string, unknown>): Promise<AgentProcess> {
  const configFile = writeAgentConfig(rig.pki, 'bench-authorization-agent', {
    log: { level: process.env.BENCH_LOG_LEVEL ?? 'info' },
    authorization: { mode: 'portal', fail_mode: 'close' },
    portal: {
      address: rig.portal.simulator.address,
      tls: agentPortalTls(rig.pki),
    },
    ipc: { enabled: true, socket_path: rig.socketPath },
    ocserv,
  });
  const agent = new AgentProcess(['--config', configFile]);
  await agent.started();
  return agent;
}

async function stopAgent(agent: AgentProcess): Promise<void> {
  agent.signal('SIGTERM');
  await Promise.race([agent.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  await agent.stop();
}

function runOnce(command: string, env: NodeJS.ProcessEnv): Promise<{ ms: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, [], { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ ms: elapsedMs(started), code }));
  });
}

async function hookOverhead(rig: Rig): Promise<Record<string, unknown>> {
  const env = (i: number): NodeJS.ProcessEnv => ({
    OCSERV_AGENT_HOOK_CONFIG: rig.hookConfig,
    REASON: 'connect',
    USERNAME: 'storm0',
    GROUPNAME: 'staff',
    ID: String(5000 + i),
    IP_REAL: '127.0.0.1',
    IP_REAL_LOCAL: '127.0.0.1',
    IP_LOCAL: '192.168.99.1',
    IP_REMOTE: '192.168.99.2',
    DEVICE: 'vpns0',
    VHOST: 'default',
    USER_AGENT: 'Open AnyConnect VPN Agent v9.01',
  });
  const warm = await runOnce(HOOK_BINARY, env(0)); // the portal answers once; the rest are cache hits
  if (warm.code !== 0) throw new Error(`the hook denied the warm-up connection (exit ${warm.code})`);
  const hook: number[] = [];
  const binTrue: number[] = [];
  let refused = 0;
  for (let i = 1; i <= HOOK_RUNS; i += 1) {
    const run = await runOnce(HOOK_BINARY, env(i));
    if (run.code !== 0) refused += 1;
    hook.push(run.ms);
    binTrue.push((await runOnce('/bin/true', env(i))).ms);
  }
  const hookSummary = summarize(hook);
  const trueSummary = summarize(binTrue);
  return {
    hook_with_cache_hit: hookSummary,
    bin_true: trueSummary,
    overhead_p50_ms: round(hookSummary.p50_ms - trueSummary.p50_ms),
    overhead_p99_ms: round(hookSummary.p99_ms - trueSummary.p99_ms),
    hook_refusals: refused,
    met: hookSummary.p50_ms <= TARGETS.hook_p50_ms && hookSummary.p99_ms <= TARGETS.hook_p99_ms && refused === 0,
  };
}

interface LoadResult {
  answered: number;
  allowed: number;
  errors: number;
  elapsed_ms: number;
  latencies_ms: number[];
}

function ipcLoad(args: object): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'ipc-load.client.js'), JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(output) as LoadResult) : reject(new Error(`load client exited ${code}`))));
  });
}

async function ipcThroughput(rig: Rig): Promise<Record<string, unknown>> {
  const users = stormUsers.map((user) => user.username);
  await ipcLoad({ socket: rig.socketPath, clients: IPC_CLIENTS, durationMs: 1000, mode: 'persistent', users }); // warm the cache
  const callsBefore = rig.portal.simulator.callCount('CheckPolicy');
  const persistent = await ipcLoad({ socket: rig.socketPath, clients: IPC_CLIENTS, durationMs: IPC_DURATION_MS, mode: 'persistent', users });
  const perRequest = await ipcLoad({
    socket: rig.socketPath,
    clients: IPC_CLIENTS,
    durationMs: IPC_PER_REQUEST_DURATION_MS,
    mode: 'per-request',
    users,
  });
  const portalCalls = rig.portal.simulator.callCount('CheckPolicy') - callsBefore;
  const rate = (result: LoadResult) => Math.round((result.answered / result.elapsed_ms) * 1000);
  const describe = (result: LoadResult) => ({
    decisions_per_second: rate(result),
    answered: result.answered,
    allowed: result.allowed,
    errors: result.errors,
    latency: summarize(result.latencies_ms),
  });
  return {
    clients: IPC_CLIENTS,
    persistent_connections: describe(persistent),
    connection_per_request: describe(perRequest),
    portal_calls_during_measurement: portalCalls,
    met: rate(persistent) >= TARGETS.ipc_decisions_per_second && persistent.errors === 0 && persistent.allowed === persistent.answered,
  };
}

/**
 * Starts ocserv with `connectScript` and a fresh agent managing it (in both variants,
 * as in production: session sync and the event stream on; cold decision cache, as after
 * an ocserv restart), connects every storm user at once, returns ms until all have an
 * address. Only the connect-script differs between the variants.
 */
async function stormOnce(connectScript: string, rig: Rig, withAgent = true): Promise<{ ms: number; connected: number; failed: string[] }> {
  const lab = await OcservLab.start({
    users: stormUsers,
    connectScript,
    disconnectScript: connectScript,
    env: { OCSERV_AGENT_HOOK_CONFIG: rig.hookConfig },
  });
  let agent: AgentProcess | undefined;
  try {
    if (withAgent) agent = await startAgent(rig, {
      socket_file: lab.occtlSocket,
      sync_sessions: true,
      events: true,
      config_per_user_dir: lab.configPerUserDir,
      config_per_group_dir: lab.configPerGroupDir,
    });
    const started = process.hrtime.bigint();
    const outcomes = await Promise.allSettled(stormUsers.map((user) => lab.connect(user, { timeoutMs: 60_000 })));
    const ms = elapsedMs(started);
    const failed = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [stormUsers[i]?.username ?? '?'] : []));
    return { ms: round(ms), connected: outcomes.length - failed.length, failed };
  } finally {
    await lab.stop();
    if (agent !== undefined) await stopAgent(agent);
  }
}

async function connectStorm(rig: Rig): Promise<Record<string, unknown>> {
  const withTrue: number[] = [];
  const withHook: number[] = [];
  const withTrueNoAgent: number[] = [];
  const failures: string[] = [];
  let hookConnected = 0;
  for (let round = 0; round < STORM_ROUNDS; round += 1) {
    // Alternate which goes first, so neither always runs on a warmer machine.
    const order = round % 2 === 0 ? ['true', 'hook', 'true-no-agent'] : ['true-no-agent', 'hook', 'true'];
    for (const which of order) {
      if (which === 'true-no-agent') {
        // Reported only: ocserv alone, no agent at all, for what the agent's own presence costs.
        withTrueNoAgent.push((await stormOnce('/bin/true', rig, false)).ms);
        continue;
      }
      const result = await stormOnce(which === 'true' ? '/bin/true' : HOOK_BINARY, rig);
      failures.push(...result.failed.map((user) => `${which}: ${user}`));
      if (which === 'true') withTrue.push(result.ms);
      else {
        withHook.push(result.ms);
        hookConnected += result.connected;
      }
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  const ratio = round(median(withHook) / median(withTrue));
  return {
    clients: STORM_CLIENTS,
    rounds: STORM_ROUNDS,
    bin_true_ms: withTrue,
    hook_ms: withHook,
    bin_true_without_agent_ms: withTrueNoAgent,
    median_bin_true_ms: median(withTrue),
    median_hook_ms: median(withHook),
    median_bin_true_without_agent_ms: median(withTrueNoAgent),
    ratio_hook_over_bin_true: ratio,
    ratio_hook_over_bin_true_without_agent: round(median(withHook) / median(withTrueNoAgent)),
    hook_connected_percent: round((hookConnected / (STORM_CLIENTS * STORM_ROUNDS)) * 100),
    failures,
    met: ratio <= TARGETS.storm_ratio && hookConnected === STORM_CLIENTS * STORM_ROUNDS,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

async function main(): Promise<void> {
  buildHook();
  const dir = mkdtempSync(join(tmpdir(), 'bench-authz-'));
  chmodSync(dir, 0o755); // ocserv (root) runs the hook, which reads hook.conf and reaches the socket here
  const pki = createTestPki(dir);
  const portal = await startPortalSimulator(testPolicy(POLICY), { pki });
  const socketPath = join(dir, 'hook.sock');
  const hookConfig = writeHookConfig(dir, { socket: socketPath, timeoutMs: 5000 });
  const rig: Rig = { dir, pki, portal, socketPath, hookConfig };
  try {
    const agent = await startAgent(rig, { sync_sessions: false, events: false });
    let hook: Record<string, unknown>;
    let ipc: Record<string, unknown>;
    try {
      hook = await hookOverhead(rig);
      ipc = await ipcThroughput(rig);
    } finally {
      await stopAgent(agent);
    }
    const storm = await connectStorm(rig);
    const report = {
      when: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      agent_log_level: process.env.BENCH_LOG_LEVEL ?? 'info',
      targets: TARGETS,
      hook_overhead: hook,
      ipc_throughput: ipc,
      connect_storm: storm,
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    const h = hook as { hook_with_cache_hit: { p50_ms: number; p99_ms: number }; bin_true: { p50_ms: number; p99_ms: number }; met: boolean };
    const i = ipc as { persistent_connections: { decisions_per_second: number }; connection_per_request: { decisions_per_second: number }; met: boolean };
    const s = storm as {
      median_hook_ms: number;
      median_bin_true_ms: number;
      median_bin_true_without_agent_ms: number;
      ratio_hook_over_bin_true: number;
      ratio_hook_over_bin_true_without_agent: number;
      hook_connected_percent: number;
      met: boolean;
    };
    console.log('connection-authorization benchmark');
    console.log(`  hook (cache hit)   p50 ${h.hook_with_cache_hit.p50_ms} ms  p99 ${h.hook_with_cache_hit.p99_ms} ms  | /bin/true p50 ${h.bin_true.p50_ms} ms  p99 ${h.bin_true.p99_ms} ms  target p50<=10 p99<=30: ${h.met ? 'met' : 'NOT met'}`);
    console.log(`  IPC decisions/s    persistent ${i.persistent_connections.decisions_per_second}  connection-per-request ${i.connection_per_request.decisions_per_second}  target >=5000: ${i.met ? 'met' : 'NOT met'}`);
    console.log(`  connect storm x${STORM_CLIENTS}  hook ${s.median_hook_ms} ms  /bin/true ${s.median_bin_true_ms} ms  ratio ${s.ratio_hook_over_bin_true}  connected ${s.hook_connected_percent}%  target <=1.3 and 100%: ${s.met ? 'met' : 'NOT met'}`);
    console.log(`  (reported only) /bin/true with no agent running ${s.median_bin_true_without_agent_ms} ms: hook / that = ${s.ratio_hook_over_bin_true_without_agent}`);
    console.log(`  written to ${RESULTS_FILE}`);
  } finally {
    await portal.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
