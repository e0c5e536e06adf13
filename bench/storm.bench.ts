/*
 * Login-storm benchmark (issue 14): N real openconnect clients reconnect at once
 * against a real ocserv whose connect-script is the hook (the agent in portal mode,
 * cold decision cache, the portal simulator in its own process adding a latency),
 * versus the same storm with /bin/true as connect-script, in the same round
 * (alternating which goes first). Per hook run it also says where the time went:
 *   - per decision: agent start -> simulator received (the agent's queue, channel
 *     setup, transport), simulator's own holding time, simulator answered -> decided;
 *   - the agent's event-loop lag (max and p99 over the storm, from its /metrics);
 *   - the portal channel's state changes (agent log) relative to the storm start;
 *   - CPU of each process group (agent, simulator, ocserv + hooks, openconnect, bench).
 * Target: hook connects as many as /bin/true in the same round, median time ratio <= 1.2.
 *   npm run bench -- storm            (STORM_SIZES=50,100,200 STORM_ROUNDS=3 STORM_LATENCY_MS=20)
 */
import 'reflect-metadata';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, type JsonLine } from '../e2e/support/agent-process';
import { writeAgentConfig } from '../e2e/support/config-file';
import { buildHook, HOOK_BINARY, writeHookConfig } from '../test/support/hook';
import { OcservLab, type LabUser } from '../test/support/ocserv-lab/ocserv-lab';
import { createTestPki, type TestPki } from '../test/support/test-pki';
import { elapsedMs, summarize } from './bench-stats';
import { cpuDelta, cpuSnapshot, type CpuGroups } from './process-cpu';
import { InProcessSimulator, SimulatorProcess } from './simulator-process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { agentPortalTls } from '../test/support/portal-sim';

const SIZES = (process.env.STORM_SIZES ?? '50,100,200').split(',').map(Number);
const ROUNDS = Number(process.env.STORM_ROUNDS ?? 3);
const LATENCY_MS = Number(process.env.STORM_LATENCY_MS ?? 20);
const HOOK_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 60_000;
const TARGET_RATIO = 1.2;
const RESULTS_FILE = join(__dirname, 'results', 'storm.json');
const POLICY = 'default: { allow: false, deny_reason: "not in policy" }\ngroups:\n  staff: { allow: true, routes: ["10.20.0.0/16"] }\n';

interface Rig {
  readonly pki: TestPki;
  readonly simulator: SimulatorProcess | InProcessSimulator;
  readonly socketPath: string;
  readonly hookConfig: string;
}

interface RunResult {
  readonly ms: number;
  readonly connected: number;
  readonly failed: string[];
  readonly cpu_ms: CpuGroups;
  readonly bench_event_loop_lag_max_ms: number;
  readonly analysis?: Record<string, unknown>;
}

/**
 * `hookSocket` false for the /bin/true variant: an operator without the hook runs no hook
 * socket, so the agent asks occtl about each new session at once, as it would there
 * (with the socket on it would wait up to 2 s for a hook decision that never comes).
 */
async function startAgent(rig: Rig, lab: OcservLab, hookSocket: boolean): Promise<{ agent: AgentProcess; httpPort: number }> {
  const configFile = writeAgentConfig(rig.pki, 'bench-storm-agent', {
    log: { level: 'info' },
    authorization: { mode: 'portal', fail_mode: 'close' },
    portal: {
      address: rig.simulator.address,
      tls: agentPortalTls(rig.pki),
    },
    ipc: { enabled: hookSocket, socket_path: rig.socketPath },
    ocserv: {
      socket_file: lab.occtlSocket,
      sync_sessions: true,
      events: true,
      config_per_user_dir: lab.configPerUserDir,
      config_per_group_dir: lab.configPerGroupDir,
    },
  });
  const agent = new AgentProcess(['--config', configFile]);
  const { httpPort } = await agent.started();
  return { agent, httpPort };
}

async function stopAgent(agent: AgentProcess): Promise<void> {
  agent.signal('SIGTERM');
  await Promise.race([agent.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  await agent.stop();
}

function scrape(httpPort: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: httpPort, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** Sample lines of `text` whose metric name starts with one of `prefixes` (the portal path and event loop). */
function metricLines(text: string, prefixes: readonly string[]): Record<string, number> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => !line.startsWith('#') && prefixes.some((prefix) => line.startsWith(prefix)) && !line.includes('_bucket{'))
      .map((line) => {
        const space = line.lastIndexOf(' ');
        return [line.slice(0, space), Number(line.slice(space + 1))];
      }),
  );
}

const METRIC_PREFIXES = [
  'ocserv_agent_nodejs_eventloop_lag',
  'ocserv_agent_portal_',
  'ocserv_agent_authorization_decisions_total',
  'ocserv_agent_occtl_commands_total',
];

/** Joins the agent's "connection decided" lines with the simulator's call lines of this run, by user. */
function analyse(lines: readonly JsonLine[], rig: Rig, startedAtMs: number, endedAtMs: number): Record<string, unknown> {
  const decided = lines.filter((line) => line.msg === 'connection decided' && Date.parse(String(line.time)) >= startedAtMs);
  const calls = new Map(rig.simulator.calls.filter((call) => call.receivedAtMs >= startedAtMs - 5 && call.receivedAtMs <= endedAtMs).map((call) => [call.username, call]));
  const beforePortal: number[] = [];
  const atSimulator: number[] = [];
  const afterPortal: number[] = [];
  const sources: Record<string, number> = {};
  const failures: Record<string, number> = {};
  for (const line of decided) {
    const source = String(line.source);
    sources[source] = (sources[source] ?? 0) + 1;
    if (line.portal_failure !== undefined) failures[String(line.portal_failure)] = (failures[String(line.portal_failure)] ?? 0) + 1;
    const call = calls.get(String(line.user));
    if (call === undefined) continue;
    const decidedAt = Date.parse(String(line.time));
    const startAt = decidedAt - Number(line.duration_ms);
    beforePortal.push(call.receivedAtMs - startAt);
    atSimulator.push(call.durationMs);
    afterPortal.push(decidedAt - (call.receivedAtMs + call.durationMs));
  }
  const durations = decided.map((line) => Number(line.duration_ms));
  const channel = lines
    .filter((line) => line.msg === 'portal channel state' && Date.parse(String(line.time)) >= startedAtMs - 30_000)
    .map((line) => `${line.state}@${Date.parse(String(line.time)) - startedAtMs}ms`);
  return {
    decisions: decided.length,
    sources,
    portal_failures: failures,
    decision_ms: summarize(durations),
    agent_start_to_simulator_received_ms: summarize(beforePortal),
    simulator_holding_ms: summarize(atSimulator),
    simulator_answered_to_decided_ms: summarize(afterPortal),
    simulator_calls: calls.size,
    portal_channel_states_relative_to_storm: channel,
  };
}

async function stormOnce(size: number, variant: 'hook' | 'true', rig: Rig): Promise<RunResult> {
  const users: LabUser[] = Array.from({ length: size }, (_, i) => ({ username: `storm${i}`, password: `pw-${i}`, group: 'staff' }));
  const script = variant === 'hook' ? HOOK_BINARY : '/bin/true';
  const lab = await OcservLab.start({ users, connectScript: script, disconnectScript: script, env: { OCSERV_AGENT_HOOK_CONFIG: rig.hookConfig } });
  let agent: AgentProcess | undefined;
  try {
    const started = await startAgent(rig, lab, variant === 'hook');
    agent = started.agent;
    await new Promise((resolve) => setTimeout(resolve, 500)); // as after a restart: the agent is up before the storm
    await scrape(started.httpPort); // resets the event-loop lag histogram (prom-client resets it per scrape)
    const pids = { agent: agent.pid, simulator: rig.simulator.pid, ocservGroup: lab.serverPid };
    const cpuBefore = cpuSnapshot(pids);
    const benchLag = monitorEventLoopDelay({ resolution: 10 });
    benchLag.enable();
    const startedAtMs = Date.now();
    const startNs = process.hrtime.bigint();
    const outcomes = await Promise.allSettled(users.map((user) => lab.connect(user, { timeoutMs: CONNECT_TIMEOUT_MS })));
    const ms = Math.round(elapsedMs(startNs));
    const cpu = cpuDelta(cpuBefore, cpuSnapshot(pids));
    benchLag.disable();
    // The benchmark's own loop spawns every client; with STORM_SIMULATOR=in-process it is also the portal's.
    const benchLoopLagMaxMs = Math.round(benchLag.max / 1e6);
    const metrics = metricLines(await scrape(started.httpPort), METRIC_PREFIXES);
    // The user and the last lines openconnect printed: why a client failed is the first question.
    const failed = outcomes.flatMap((outcome, i) =>
      outcome.status === 'rejected' ? [`${users[i]?.username ?? '?'}: ${String((outcome.reason as Error).message ?? outcome.reason).split('\n').slice(-4).join(' | ')}`] : [],
    );
    const analysis = variant === 'hook' ? { ...analyse(agent.lines, rig, startedAtMs, Date.now()), agent_metrics: metrics } : { agent_metrics: metrics };
    return { ms, connected: size - failed.length, failed, cpu_ms: cpu, bench_event_loop_lag_max_ms: benchLoopLagMaxMs, analysis };
  } finally {
    await lab.stop();
    if (agent !== undefined) await stopAgent(agent);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function stormSize(size: number, rig: Rig): Promise<Record<string, unknown>> {
  const rounds: Record<string, unknown>[] = [];
  let allMatched = true;
  for (let round = 0; round < ROUNDS; round += 1) {
    const order: Array<'hook' | 'true'> = round % 2 === 0 ? ['true', 'hook'] : ['hook', 'true'];
    const results: Partial<Record<'hook' | 'true', RunResult>> = {};
    for (const variant of order) results[variant] = await stormOnce(size, variant, rig);
    const hook = results.hook as RunResult;
    const binTrue = results.true as RunResult;
    allMatched &&= hook.connected >= binTrue.connected;
    const ratio = Math.round((hook.ms / binTrue.ms) * 1000) / 1000;
    console.log(`  ${size} clients round ${round + 1}: hook ${hook.connected}/${size} in ${hook.ms} ms, /bin/true ${binTrue.connected}/${size} in ${binTrue.ms} ms, ratio ${ratio}`);
    console.log(`    hook decisions ${JSON.stringify((hook.analysis as { sources?: unknown }).sources)} lag max ${(hook.analysis?.agent_metrics as Record<string, number>)['ocserv_agent_nodejs_eventloop_lag_max_seconds']} s`);
    rounds.push({ round: round + 1, hook, bin_true: binTrue, ratio });
  }
  const hookMs = rounds.map((r) => (r.hook as RunResult).ms);
  const trueMs = rounds.map((r) => (r.bin_true as RunResult).ms);
  const ratio = Math.round((median(hookMs) / median(trueMs)) * 1000) / 1000;
  return {
    clients: size,
    hook_connected: rounds.map((r) => (r.hook as RunResult).connected),
    bin_true_connected: rounds.map((r) => (r.bin_true as RunResult).connected),
    hook_ms: hookMs,
    bin_true_ms: trueMs,
    median_ratio_hook_over_bin_true: ratio,
    met: allMatched && ratio <= TARGET_RATIO,
    rounds,
  };
}

async function main(): Promise<void> {
  buildHook();
  const dir = mkdtempSync(join(tmpdir(), 'bench-storm-'));
  chmodSync(dir, 0o755); // ocserv (root) runs the hook, which reads hook.conf and reaches the socket here
  const pki = createTestPki(dir);
  const inProcess = process.env.STORM_SIMULATOR === 'in-process';
  const simulator = inProcess ? await InProcessSimulator.start(pki, POLICY, LATENCY_MS) : await SimulatorProcess.start(pki, POLICY, LATENCY_MS);
  const socketPath = join(dir, 'hook.sock');
  const rig: Rig = { pki, simulator, socketPath, hookConfig: writeHookConfig(dir, { socket: socketPath, timeoutMs: HOOK_TIMEOUT_MS }) };
  const benchStarted = Date.now();
  try {
    console.log(`login-storm benchmark: sizes ${SIZES.join(',')}, ${ROUNDS} rounds, simulator latency ${LATENCY_MS} ms, hook budget ${HOOK_TIMEOUT_MS} ms`);
    const sizes: Record<string, unknown>[] = [];
    for (const size of SIZES) sizes.push(await stormSize(size, rig));
    const report = {
      when: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      simulator: inProcess ? 'in the benchmark process (issue 14 reproduction)' : 'own process',
      simulator_latency_ms: LATENCY_MS,
      hook_timeout_ms: HOOK_TIMEOUT_MS,
      target: { same_connected_as_bin_true: true, median_ratio_max: TARGET_RATIO },
      duration_s: Math.round((Date.now() - benchStarted) / 1000),
      sizes,
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(process.env.STORM_RESULTS_FILE ?? RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    for (const size of sizes) {
      console.log(`  x${size.clients}: hook connected ${JSON.stringify(size.hook_connected)} vs /bin/true ${JSON.stringify(size.bin_true_connected)}; ms hook ${JSON.stringify(size.hook_ms)} /bin/true ${JSON.stringify(size.bin_true_ms)}; median ratio ${size.median_ratio_hook_over_bin_true}: ${size.met ? 'met' : 'NOT met'}`);
    }
    console.log(`  took ${report.duration_s} s; written to ${process.env.STORM_RESULTS_FILE ?? RESULTS_FILE}`);
  } finally {
    await simulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
