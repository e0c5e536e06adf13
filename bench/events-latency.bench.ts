/*
 * The event outbox's cost on the hook's answer (issue 11). Real parts: the agent as its own
 * process (dist/main.js), authorization.mode static (allow: no portal variance in the
 * decision), the portal simulator in this process as the EventService peer, and a load
 * client in its own process speaking the hook's NDJSON framing over the hook socket, one
 * request after another (every request a new session id, so every answer waits for one
 * ReportConnect to be persisted). Rounds alternate events off / events on, each with a fresh
 * agent (and a fresh outbox), so machine noise hits both alike.
 *   Target: added latency p99 <= 2 ms (events on minus events off).
 * Prints a summary and writes bench/results/events-latency.json.
 *   npm run bench -- events-latency
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from '../e2e/support/agent-process';
import { writeAgentConfig } from '../e2e/support/config-file';
import { agentPortalTls, startPortalSimulator, testPolicy, type TestPortal } from '../test/support/portal-sim';
import { createTestPki, type TestPki } from '../test/support/test-pki';
import { summarize } from './bench-stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 4000);
const CLIENTS = 1;
const RESULTS_FILE = join(__dirname, 'results', 'events-latency.json');
const TARGET_ADDED_P99_MS = 2;

interface LoadResult {
  answered: number;
  allowed: number;
  errors: number;
  elapsed_ms: number;
  latencies_ms: number[];
}

async function startAgent(pki: TestPki, dir: string, portal: TestPortal, events: boolean, round: number): Promise<AgentProcess> {
  const socketPath = join(dir, `hook-${round}-${events ? 'on' : 'off'}.sock`);
  const config = writeAgentConfig(pki, `events-latency-${round}-${events}`, {
    log: { level: 'warn' },
    authorization: { mode: 'static', static: { allowed: true } },
    portal: { address: portal.simulator.address, tls: agentPortalTls(pki) },
    ipc: { enabled: true, socket_path: socketPath },
    session: { max_sessions: 1_000_000 },
    events: { enabled: events, outbox_path: join(dir, `events-${round}.db`), update_interval_seconds: 0 },
  });
  const agent = new AgentProcess(['--config', config]);
  await agent.started();
  return Object.assign(agent, { socketPath });
}

function load(socket: string): Promise<LoadResult> {
  const args = { socket, clients: CLIENTS, durationMs: ROUND_MS, mode: 'persistent', users: ['bench-a', 'bench-b', 'bench-c', 'bench-d'] };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'ipc-load.client.js'), JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(output) as LoadResult) : reject(new Error(`load client exited ${code}`))));
  });
}

async function stop(agent: AgentProcess): Promise<void> {
  agent.signal('SIGTERM');
  await Promise.race([agent.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  await agent.stop();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-events-latency-'));
  const pki = createTestPki(dir);
  const portal = await startPortalSimulator(testPolicy('default: { allow: true }\n'), { pki });
  const off: number[] = [];
  const on: number[] = [];
  let errors = 0;
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const events of [false, true]) {
        const agent = await startAgent(pki, dir, portal, events, round);
        try {
          const result = await load((agent as AgentProcess & { socketPath: string }).socketPath);
          errors += result.errors + (result.answered - result.allowed);
          // The first 50 answers of a fresh agent warm its JIT and the SQLite statement cache.
          (events ? on : off).push(...result.latencies_ms.slice(50));
        } finally {
          await stop(agent);
        }
      }
    }
  } finally {
    await portal.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const offSummary = summarize(off);
  const onSummary = summarize(on);
  const round3 = (value: number) => Math.round(value * 1000) / 1000;
  const result = {
    rounds: ROUNDS,
    round_ms: ROUND_MS,
    clients: CLIENTS,
    events_off: offSummary,
    events_on: onSummary,
    added_p50_ms: round3(onSummary.p50_ms - offSummary.p50_ms),
    added_p99_ms: round3(onSummary.p99_ms - offSummary.p99_ms),
    ratio_p99: round3(onSummary.p99_ms / offSummary.p99_ms),
    errors_or_denials: errors,
    target_added_p99_ms: TARGET_ADDED_P99_MS,
    met: onSummary.p99_ms - offSummary.p99_ms <= TARGET_ADDED_P99_MS && errors === 0,
    events_received_by_portal: portal.simulator.callCount('ReportConnect'),
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ measured_at: new Date().toISOString(), ...result }, null, 2)}\n`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
