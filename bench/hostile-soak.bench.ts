/*
 * Hostile-load soak (issue 9's acceptance): the built agent as an operator runs
 * it (dist/main.js, its own process, authorization.mode portal, fail_mode close,
 * ocserv's log from a file), the real portal simulator over mTLS, and the
 * compiled hook with on_agent_unreachable = allow, so any fallback the agent
 * causes shows up as a wrong decision. For SOAK_SECONDS (default 600), all at
 * once:
 *   - StreamLogs at the cap: log.max_streams_per_source streams of `agent` and of
 *     `ocserv` from clients that never read (raw HTTP/2, window never reopened),
 *     some cancelled and reopened every few seconds, plus one over the cap each
 *     time (must be RESOURCE_EXHAUSTED); the ocserv log file grows all along;
 *   - random bytes on new hook-socket connections;
 *   - connection floods past ipc.max_connections, held, then closed;
 *   - NotifyConnect with the most metadata a session may hold (until the total
 *     budget refuses), and some over it (INVALID_ARGUMENT);
 *   - hook runs with hostile values (quotes, control characters, 2,000-character
 *     emoji user agents, 300 KB of routes) from new client IPs, for allowed and
 *     denied users.
 * A probe runs the hook every second for alice (allowed) and dave (denied), each
 * from a new client IP, so every probe asks the portal. Wrong decisions,
 * crashes, the agent's RSS, file descriptors and children are recorded; fds and
 * children must be back at their idle counts once the load stops, and the RSS
 * within the worst case docs/operations.md#memory states.
 * Prints a summary and writes bench/results/hostile-soak.json.
 *   npm run bench -- soak          (SOAK_SECONDS=60 for a short run)
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, Socket } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from '../e2e/support/agent-process';
import { writeAgentConfig } from '../e2e/support/config-file';
import { LogStreamRequest } from '../src/generated/agent/v1/agent';
import { AgentClients, connectAgent, GrpcError, mtlsCredentials } from '../test/support/agent-clients';
import { buildHook, HOOK_BINARY, writeHookConfig } from '../test/support/hook';
import { agentPortalTls, startPortalSimulator, testPolicy } from '../test/support/portal-sim';
import { TEST_IDENTITIES } from '../test/support/test-agent-config';
import { childrenOf } from '../test/support/processes';
import { createTestPki, TestPki } from '../test/support/test-pki';
import { openUnreadStream, UnreadStream } from '../test/support/unread-grpc-stream';
import { elapsedMs, summarize } from './bench-stats';

const SOAK_MS = Number(process.env.SOAK_SECONDS ?? 600) * 1000;
const RESULTS_FILE = join(__dirname, 'results', 'hostile-soak.json');
const STREAMS_PER_SOURCE = 16;
const MAX_CONNECTIONS = 2048;
const FLOOD_CONNECTIONS = MAX_CONNECTIONS + 200;
const FLOOD_EVERY_MS = 20_000;
const FLOOD_HOLD_MS = 3_000;
const STREAM_CHURN_EVERY_MS = 3_000;
const RANDOM_FRAMES_PER_SECOND = 20;
const MAX_RANDOM_FRAMES_IN_FLIGHT = 64;
const NOTIFY_PER_SECOND = 20;
const HOSTILE_HOOKS_PER_SECOND = 4;
const LOG_GROWTH_BYTES_PER_SECOND = 256 * 1024;
const SAMPLE_EVERY_MS = 2_000;
const IDLE_PROBES = 20;
/** docs/operations.md#memory: everything at its worst at once, at the defaults. */
const DOCUMENTED_WORST_CASE_BYTES = 1.55e9;
const STREAM_LOGS = '/agent.v1.AgentService/StreamLogs';
const GRPC_RESOURCE_EXHAUSTED = 8;
const POLICY = [
  'default: { allow: false, deny_reason: "not in policy" }',
  'users:',
  '  alice: { allow: true, routes: ["10.10.0.0/16"] }',
  '  dave: { allow: false, deny_reason: "account closed" }',
  '',
].join('\n');
const HOSTILE_USER_AGENT = `Evil "agent" \\ \n\r\t\u0001\u001f\u007f é 中文 ${'😀'.repeat(1000)}`;

interface Counters {
  probes: number;
  probe_wrong: number;
  probe_wrong_details: string[];
  hostile_hooks: number;
  hostile_hook_wrong: number;
  padded_hooks: number;
  streams_opened: number;
  streams_cancelled: number;
  streams_ended_by_agent: number;
  streams_refused_over_cap: number;
  streams_over_cap_attempts: number;
  random_frame_connections: number;
  floods: number;
  flood_connections_refused_with_answer: number;
  flood_connections_closed_unanswered: number;
  notify_stored: number;
  notify_refused_total_budget: number;
  notify_refused_per_session: number;
  notify_other_errors: number;
  notify_error_samples: string[];
}

const counters: Counters = {
  probes: 0,
  probe_wrong: 0,
  probe_wrong_details: [],
  hostile_hooks: 0,
  hostile_hook_wrong: 0,
  padded_hooks: 0,
  streams_opened: 0,
  streams_cancelled: 0,
  streams_ended_by_agent: 0,
  streams_refused_over_cap: 0,
  streams_over_cap_attempts: 0,
  random_frame_connections: 0,
  floods: 0,
  flood_connections_refused_with_answer: 0,
  flood_connections_closed_unanswered: 0,
  notify_stored: 0,
  notify_refused_total_budget: 0,
  notify_refused_per_session: 0,
  notify_other_errors: 0,
  notify_error_samples: [],
};

let ipSequence = 0;
/** A new client address each time (documentation ranges: values in the hook's environment, never contacted). */
function nextClientIp(): string {
  ipSequence += 1;
  const block = ['198.51.100', '203.0.113', '192.0.2'][Math.floor(ipSequence / 250) % 3];
  return `${block}.${(ipSequence % 250) + 1}`;
}

function hookEnv(hookConfig: string, username: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  ipSequence += 1;
  return {
    OCSERV_AGENT_HOOK_CONFIG: hookConfig,
    REASON: 'connect',
    USERNAME: username,
    GROUPNAME: '',
    ID: String(10_000 + (ipSequence % 50_000)),
    IP_REAL: nextClientIp(),
    IP_REAL_LOCAL: '127.0.0.1',
    IP_LOCAL: '192.168.99.1',
    IP_REMOTE: '192.168.99.2',
    DEVICE: 'vpns0',
    VHOST: 'default',
    USER_AGENT: 'Open AnyConnect VPN Agent v9.01',
    ...extra,
  };
}

function runHook(env: NodeJS.ProcessEnv): Promise<{ code: number | null; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(HOOK_BINARY, [], { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, ms: elapsedMs(started) }));
  });
}

/** VmRSS of `pid` in bytes. */
function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

function openFds(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '(gone)';
    }
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Repeats `task` every `everyMs` until `deadline`, never two at once. */
async function every(everyMs: number, deadline: number, task: () => Promise<void>): Promise<void> {
  while (Date.now() < deadline) {
    const started = Date.now();
    await task();
    await sleep(Math.max(0, everyMs - (Date.now() - started)));
  }
}

class StreamPool {
  private readonly open = new Map<string, UnreadStream[]>([
    ['agent', []],
    ['ocserv', []],
  ]);

  constructor(
    private readonly port: number,
    private readonly pki: TestPki,
  ) {}

  private openOne(source: string, follow: boolean): UnreadStream {
    const request = LogStreamRequest.encode({ log_source: source, follow, start_time: undefined }).finish();
    counters.streams_opened += 1;
    return openUnreadStream(this.port, this.pki, this.pki.client(TEST_IDENTITIES.reader), STREAM_LOGS, request);
  }

  fill(): void {
    for (const [source, streams] of this.open) {
      while (streams.length < STREAMS_PER_SOURCE) streams.push(this.openOne(source, source === 'agent' || streams.length % 2 === 0));
    }
  }

  /** Drops streams that ended, refills to the cap, tries one over it, then cancels a quarter of each source's. */
  async churn(): Promise<void> {
    for (const streams of this.open.values()) {
      const ended = await Promise.all(streams.map((stream) => Promise.race([stream.status.then(() => true), sleep(0).then(() => false)])));
      const live = streams.filter((_, i) => !ended[i]);
      counters.streams_ended_by_agent += streams.length - live.length;
      streams.splice(0, streams.length, ...live);
    }
    this.fill();
    // The agent has to hear the new streams before one more can be over the cap.
    await sleep(500);
    for (const [source, streams] of this.open) {
      counters.streams_over_cap_attempts += 1;
      const extra = this.openOne(source, true);
      const status = await Promise.race([extra.status, sleep(2000).then(() => 'pending' as const)]);
      if (status === GRPC_RESOURCE_EXHAUSTED) counters.streams_refused_over_cap += 1;
      extra.cancel();
      for (const stream of streams.splice(0, STREAMS_PER_SOURCE / 4)) {
        stream.cancel();
        counters.streams_cancelled += 1;
      }
    }
    // A cancelled stream frees its slot once the agent hears the reset; the next round refills.
  }

  closeAll(): void {
    for (const streams of this.open.values()) streams.splice(0).forEach((stream) => stream.cancel());
  }
}

function randomFrame(socketPath: string): Promise<void> {
  counters.random_frame_connections += 1;
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.on('error', done);
    socket.on('connect', () => socket.end(randomBytes(1 + Math.floor(Math.random() * 4096))));
    socket.on('close', done);
    socket.setTimeout(3000, done);
  });
}

async function flood(socketPath: string): Promise<void> {
  counters.floods += 1;
  const sockets: Socket[] = [];
  const answered = new Set<Socket>();
  for (let i = 0; i < FLOOD_CONNECTIONS; i += 1) {
    const socket = createConnection(socketPath);
    socket.on('error', () => undefined);
    socket.on('data', () => answered.add(socket));
    sockets.push(socket);
  }
  await sleep(FLOOD_HOLD_MS);
  // Past the cap the agent answers with a refusal line and closes; the held ones never sent a request.
  for (const socket of sockets) {
    if (answered.has(socket)) counters.flood_connections_refused_with_answer += 1;
    else if (socket.destroyed) counters.flood_connections_closed_unanswered += 1;
    socket.destroy();
  }
}

let notifySequence = 0;
async function notifyMaximal(operator: AgentClients): Promise<void> {
  notifySequence += 1;
  // Seven entries of 2,000 ASCII characters: ~15 KB of the 16 KiB a session may hold; every 10th is over it.
  const entries = notifySequence % 10 === 0 ? 9 : 7;
  const metadata = Object.fromEntries(Array.from({ length: entries }, (_, i) => [`soak${i}`, String.fromCharCode(97 + i).repeat(2000)]));
  try {
    await operator.unary(operator.vpn, 'NotifyConnect', {
      username: 'alice',
      client_ip: nextClientIp(),
      session_id: `soak-${notifySequence}`,
      device_id: 'soak-laptop',
      metadata,
    });
    counters.notify_stored += 1;
  } catch (error) {
    const grpcError = error as GrpcError;
    if (grpcError.code === 8) counters.notify_refused_total_budget += 1;
    else if (grpcError.code === 3) counters.notify_refused_per_session += 1;
    else {
      counters.notify_other_errors += 1;
      if (counters.notify_error_samples.length < 5) counters.notify_error_samples.push(`${grpcError.code}: ${grpcError.details}`);
    }
  }
}

async function hostileHook(hookConfig: string): Promise<void> {
  const users = ['alice', 'dave', 'mallory', 'Ünïcode'];
  const username = users[counters.hostile_hooks % users.length] as string;
  counters.hostile_hooks += 1;
  const padded = counters.hostile_hooks % 5 === 0;
  const extra: Record<string, string> = { USER_AGENT: HOSTILE_USER_AGENT, HOSTNAME: `h"o\\st\n${'x'.repeat(500)}` };
  if (padded) {
    counters.padded_hooks += 1;
    // ~300 KB of routes: over the agent's and the hook's request cap, must be refused, never fall back to allow.
    for (let i = 0; i < 3000; i += 1) extra[`OCSERV_ROUTES_${i}`] = `10.${Math.floor(i / 250)}.${i % 250}.0/24${'#'.repeat(80)}`;
  }
  const run = await runHook(hookEnv(hookConfig, username, extra));
  const shouldAllow = username === 'alice' && !padded;
  if ((run.code === 0) !== shouldAllow) counters.hostile_hook_wrong += 1;
}

async function probe(hookConfig: string, latencies: number[]): Promise<void> {
  for (const [username, shouldAllow] of [
    ['alice', true],
    ['dave', false],
  ] as const) {
    counters.probes += 1;
    const run = await runHook(hookEnv(hookConfig, username));
    latencies.push(run.ms);
    if ((run.code === 0) !== shouldAllow) {
      counters.probe_wrong += 1;
      if (counters.probe_wrong_details.length < 10) {
        counters.probe_wrong_details.push(`${new Date().toISOString()} ${username} exit ${run.code} after ${Math.round(run.ms)} ms`);
      }
    }
  }
}

async function main(): Promise<void> {
  buildHook();
  const dir = mkdtempSync(join(tmpdir(), 'bench-soak-'));
  chmodSync(dir, 0o755);
  const pki = createTestPki(dir);
  const portal = await startPortalSimulator(testPolicy(POLICY), { pki });
  const socketPath = join(dir, 'hook.sock');
  const hookConfig = writeHookConfig(dir, { socket: socketPath, timeoutMs: 5000, onAgentUnreachable: 'allow' });
  const ocservLog = join(dir, 'ocserv.log');
  const logLine = (i: number) => `Dec  2 06:00:00 vpn ocserv[1]: main[soak]: line ${i} ${'x'.repeat(200)}\n`;
  writeFileSync(ocservLog, Array.from({ length: 100_000 }, (_, i) => logLine(i)).join(''));
  const configFile = writeAgentConfig(pki, 'bench-soak-agent', {
    log: { level: 'info', max_streams_per_source: STREAMS_PER_SOURCE },
    authorization: { mode: 'portal', fail_mode: 'close' },
    portal: {
      address: portal.simulator.address,
      tls: agentPortalTls(pki),
    },
    ipc: { enabled: true, socket_path: socketPath, max_connections: MAX_CONNECTIONS },
    ocserv: { sync_sessions: false, events: false, log: { source: 'file', file: ocservLog } },
  });
  const agent = new AgentProcess(['--config', configFile]);
  let crashed: string | undefined;
  void agent.exited.then((exit) => (crashed ??= `agent exited during the soak: ${JSON.stringify(exit)}; stderr: ${agent.stderr.slice(-2000)}`));
  const { grpcPort } = await agent.started();
  const operator = connectAgent(grpcPort, mtlsCredentials(pki, pki.client(TEST_IDENTITIES.operator)));
  try {
    // Idle: warm the portal channel and the operator's connection, then the control figures.
    await probe(hookConfig, []);
    await operator.unary(operator.vpn, 'GetActiveSessions', {});
    const idleLatencies: number[] = [];
    for (let i = 0; i < IDLE_PROBES; i += 1) await probe(hookConfig, idleLatencies);
    counters.probes = 0;
    counters.probe_wrong = 0;
    await sleep(1000);
    const idle = { rss_bytes: rssBytes(agent.pid), fds: openFds(agent.pid).length, children: childrenOf(agent.pid).map((info) => `${info.pid} ${info.comm}`) };

    const started = Date.now();
    const deadline = started + SOAK_MS;
    const pool = new StreamPool(grpcPort, pki);
    pool.fill();
    const samples: Array<{ t_s: number; rss_mb: number; fds: number; children: number }> = [];
    const loadLatencies: number[] = [];
    let logLines = 100_000;
    let randomFramesInFlight = 0;
    const linesPerTick = Math.ceil(LOG_GROWTH_BYTES_PER_SECOND / 4 / logLine(0).length);
    await Promise.all([
      every(1000, deadline, () => probe(hookConfig, loadLatencies)),
      every(STREAM_CHURN_EVERY_MS, deadline, () => pool.churn()),
      every(1000 / RANDOM_FRAMES_PER_SECOND, deadline, async () => {
        // Each lasts until the agent refuses it (often request_timeout_ms): run them side by side, bounded.
        if (randomFramesInFlight >= MAX_RANDOM_FRAMES_IN_FLIGHT) return;
        randomFramesInFlight += 1;
        void randomFrame(socketPath).finally(() => (randomFramesInFlight -= 1));
      }),
      every(FLOOD_EVERY_MS, deadline, () => flood(socketPath)),
      every(1000 / NOTIFY_PER_SECOND, deadline, () => notifyMaximal(operator)),
      every(1000 / HOSTILE_HOOKS_PER_SECOND, deadline, () => hostileHook(hookConfig)),
      every(250, deadline, async () => {
        const lines: string[] = [];
        for (let i = 0; i < linesPerTick; i += 1) lines.push(logLine((logLines += 1)));
        appendFileSync(ocservLog, lines.join(''));
      }),
      every(SAMPLE_EVERY_MS, deadline, async () => {
        if (crashed !== undefined) return;
        samples.push({
          t_s: Math.round((Date.now() - started) / 1000),
          rss_mb: Math.round(rssBytes(agent.pid) / 1e6),
          fds: openFds(agent.pid).length,
          children: childrenOf(agent.pid).length,
        });
      }),
    ]);
    pool.closeAll();
    // Let cancelled streams, floods and children settle, then compare with idle.
    await sleep(10_000);
    const after =
      crashed === undefined
        ? { rss_bytes: rssBytes(agent.pid), fds: openFds(agent.pid).length, children: childrenOf(agent.pid).map((info) => `${info.pid} ${info.comm}`) }
        : undefined;
    const maxRss = Math.max(...samples.map((sample) => sample.rss_mb)) * 1e6;
    const idleSummary = summarize(idleLatencies);
    const loadSummary = summarize(loadLatencies);
    const report = {
      when: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      soak_seconds: SOAK_MS / 1000,
      load: {
        streams_per_source: STREAMS_PER_SOURCE,
        ipc_max_connections: MAX_CONNECTIONS,
        flood_connections: FLOOD_CONNECTIONS,
        random_frames_per_second: RANDOM_FRAMES_PER_SECOND,
        notify_per_second: NOTIFY_PER_SECOND,
        hostile_hooks_per_second: HOSTILE_HOOKS_PER_SECOND,
        ocserv_log_growth_bytes_per_second: LOG_GROWTH_BYTES_PER_SECOND,
      },
      counters,
      crashed: crashed ?? null,
      probe_latency_idle: idleSummary,
      probe_latency_under_load: loadSummary,
      probe_p50_ratio_load_over_idle: Math.round((loadSummary.p50_ms / idleSummary.p50_ms) * 100) / 100,
      agent_idle: { rss_mb: Math.round(idle.rss_bytes / 1e6), fds: idle.fds, children: idle.children },
      agent_after: after === undefined ? null : { rss_mb: Math.round(after.rss_bytes / 1e6), fds: after.fds, children: after.children },
      agent_max_rss_mb: Math.round(maxRss / 1e6),
      documented_worst_case_mb: DOCUMENTED_WORST_CASE_BYTES / 1e6,
      rss_end_over_idle: after === undefined ? null : Math.round((after.rss_bytes / idle.rss_bytes) * 100) / 100,
      samples,
      met: {
        zero_wrong_decisions: counters.probe_wrong === 0 && counters.hostile_hook_wrong === 0,
        zero_crashes: crashed === undefined,
        rss_within_documented_worst_case: maxRss <= DOCUMENTED_WORST_CASE_BYTES,
        fds_back_to_idle: after !== undefined && after.fds <= idle.fds,
        children_back_to_idle: after !== undefined && after.children.length <= idle.children.length,
      },
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`hostile-load soak, ${SOAK_MS / 1000} s`);
    console.log(`  probes ${counters.probes} (wrong ${counters.probe_wrong}), hostile hook runs ${counters.hostile_hooks} (wrong ${counters.hostile_hook_wrong}, ${counters.padded_hooks} padded past the cap)`);
    console.log(`  probe latency p50/p99: idle ${idleSummary.p50_ms}/${idleSummary.p99_ms} ms, under load ${loadSummary.p50_ms}/${loadSummary.p99_ms} ms (p50 ratio ${report.probe_p50_ratio_load_over_idle})`);
    console.log(`  streams opened ${counters.streams_opened}, cancelled ${counters.streams_cancelled}, over the cap refused ${counters.streams_refused_over_cap}/${counters.streams_over_cap_attempts}`);
    console.log(`  floods ${counters.floods} x ${FLOOD_CONNECTIONS}: refused with an answer ${counters.flood_connections_refused_with_answer}, closed unanswered ${counters.flood_connections_closed_unanswered}; random-frame connections ${counters.random_frame_connections}`);
    console.log(`  NotifyConnect stored ${counters.notify_stored}, total budget refused ${counters.notify_refused_total_budget}, per-session refused ${counters.notify_refused_per_session}, other errors ${counters.notify_other_errors}`);
    console.log(`  agent RSS idle ${report.agent_idle.rss_mb} MB, max ${report.agent_max_rss_mb} MB, after ${report.agent_after?.rss_mb ?? '-'} MB (documented worst case ${report.documented_worst_case_mb} MB)`);
    console.log(`  fds idle ${idle.fds} after ${after?.fds ?? '-'}; children idle ${idle.children.length} after ${after?.children.length ?? '-'}; crashed: ${crashed ?? 'no'}`);
    console.log(`  met: ${JSON.stringify(report.met)}`);
    console.log(`  written to ${RESULTS_FILE}`);
  } finally {
    operator.close();
    agent.signal('SIGTERM');
    await Promise.race([agent.exited, sleep(5000)]);
    await agent.stop();
    await portal.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
