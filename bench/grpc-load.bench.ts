/*
 * gRPC load benchmark (issue: foundation). Runs the real agent in this process
 * (so heap and handles can be measured after a forced GC) and drives it from a
 * separate client process over mTLS:
 *   0. control: the same load against a bare grpc-js server (bench/bare-grpc.server.ts);
 *   1. 100 concurrent clients x 10 iterations of NotifyConnect, GetActiveSessions,
 *      NotifyDisconnect (3,000 calls), after a 300-call warm-up, as fast as they go
 *      (closed loop), and again paced at 100 iterations/s (300 calls/s, open loop);
 *   2. GetActiveSessions over 10,000 stored sessions, 200 sequential calls.
 * Latency is measured by the client until the response bytes arrived; the agent's
 * own handling time per call (guard to handler result) is recorded beside it.
 * Prints a summary and writes bench/results/grpc-load.json.
 *   npm run bench   (node --expose-gc -r ts-node/register/transpile-only bench/grpc-load.bench.ts)
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { destination } from 'pino';
import { startAgent } from '../src/agent-app';
import { RpcMetrics } from '../src/metrics/rpc-metrics';
import { testAgentConfig, TEST_IDENTITIES } from '../test/support/test-agent-config';
import { createTestPki } from '../test/support/test-pki';
import { startBareServer } from './bare-grpc.server';
import { summarize } from './bench-stats';

const TARGETS = {
  errors: 0,
  concurrency_p99_ms: 20,
  large_list_p99_ms: 50,
  heap_growth_mb: 20,
};
const RESULTS_FILE = join(__dirname, 'results', 'grpc-load.json');

type Gc = () => void;

async function settledHeapMb(): Promise<number> {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i += 1) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Math.round((process.memoryUsage().heapUsed / 1024 / 1024) * 10) / 10;
}

function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

function grewHandles(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.entries(after)
    .filter(([kind, count]) => count > (before[kind] ?? 0))
    .map(([kind, count]) => `${kind}: ${before[kind] ?? 0} -> ${count}`);
}

function runClient(args: object): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(__dirname, 'grpc-load.client.ts'), JSON.stringify(args)],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' } },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`client phase exited ${code}`));
      resolve(JSON.parse(output.trim().split('\n').pop() ?? '{}') as Record<string, unknown>);
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ocserv-agent-bench-'));
  const pki = createTestPki(dir);
  const client = pki.client(TEST_IDENTITIES.operator);
  const clientPki = { ca: pki.ca.toString(), cert: client.cert.toString(), key: client.key.toString() };
  const bare = await startBareServer(pki);
  const controlBase = { port: bare.port, pki: clientPki };
  await runClient({ ...controlBase, phase: 'concurrency', clients: 100, iterations: 1, tag: 'warm' });
  const control = await runClient({ ...controlBase, phase: 'concurrency', clients: 100, iterations: 10, tag: 'load' });
  bare.stop();
  await new Promise((resolve) => setTimeout(resolve, 200));

  const handlesBeforeStart = handleCounts();

  // Production log level: every RPC writes its JSON line (to /dev/null here), as it would in service.
  const agent = await startAgent(testAgentConfig(pki, { log: { level: 'info' } }), {
    logDestination: destination({ dest: '/dev/null', sync: false }),
  });
  const base = { port: agent.grpcPort, pki: clientPki };
  // The agent's own time per call, as its metrics see it (bench-only wrapper).
  const handling = new Map<string, number[]>();
  const metrics = agent.app.get(RpcMetrics);
  const observe = metrics.observe.bind(metrics);
  metrics.observe = (method, code, durationMs) => {
    const samples = handling.get(method) ?? [];
    samples.push(durationMs);
    handling.set(method, samples);
    observe(method, code, durationMs);
  };
  const takeHandling = () => {
    const summary = Object.fromEntries([...handling].map(([method, samples]) => [method.split('/').pop(), summarize(samples)]));
    handling.clear();
    return summary;
  };

  await runClient({ ...base, phase: 'concurrency', clients: 100, iterations: 1, tag: 'warm' });
  takeHandling();
  const heapBaselineMb = await settledHeapMb();
  const handlesBaseline = handleCounts();

  const concurrency = await runClient({ ...base, phase: 'concurrency', clients: 100, iterations: 10, tag: 'load' });
  concurrency.agent_handling = takeHandling();
  const paced = await runClient({ ...base, phase: 'concurrency', clients: 100, iterations: 10, iterationsPerSecond: 100, tag: 'paced' });
  paced.agent_handling = takeHandling();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const heapAfterConcurrencyMb = await settledHeapMb();
  const handlesAfterConcurrency = handleCounts();

  const largeList = await runClient({ ...base, phase: 'large-list', sessions: 10_000, listCalls: 200, tag: 'big' });
  largeList.agent_handling = takeHandling();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const heapAfterLargeListMb = await settledHeapMb();
  const handlesAfterLargeList = handleCounts();

  await agent.close();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const handlesAfterClose = handleCounts();
  rmSync(dir, { recursive: true, force: true });

  const concurrencyAll = concurrency.all as { p99_ms: number };
  const largeListLatency = (largeList.get_active_sessions as { p99_ms: number });
  const heapGrowthMb = Math.max(heapAfterConcurrencyMb, heapAfterLargeListMb) - heapBaselineMb;
  const leakedHandles = [
    ...grewHandles(handlesBaseline, handlesAfterConcurrency),
    ...grewHandles(handlesBaseline, handlesAfterLargeList),
    ...grewHandles(handlesBeforeStart, handlesAfterClose),
  ];
  const checks = {
    zero_errors: [concurrency, paced].every((run) => run.errors === TARGETS.errors && run.sampled_checks_failed === 0),
    concurrency_p99_within_target: concurrencyAll.p99_ms <= TARGETS.concurrency_p99_ms,
    large_list_p99_within_target: largeListLatency.p99_ms <= TARGETS.large_list_p99_ms,
    heap_growth_within_target: heapGrowthMb <= TARGETS.heap_growth_mb,
    no_leaked_handles: leakedHandles.length === 0,
    large_list_complete:
      largeList.listed === 10_000 && largeList.listed_entries === 10_000 && largeList.remaining_after_cleanup === 0,
  };
  const results = {
    benchmark: 'grpc-load',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model, node: process.version },
    targets: TARGETS,
    control_bare_grpc_js: control,
    concurrency,
    paced,
    large_list: largeList,
    memory: {
      heap_baseline_mb: heapBaselineMb,
      heap_after_concurrency_mb: heapAfterConcurrencyMb,
      heap_after_large_list_mb: heapAfterLargeListMb,
      heap_growth_mb: Math.round(heapGrowthMb * 10) / 10,
    },
    handles: { before_start: handlesBeforeStart, baseline: handlesBaseline, after_concurrency: handlesAfterConcurrency,
      after_large_list: handlesAfterLargeList, after_close: handlesAfterClose, leaked: leakedHandles },
    checks,
    passed: Object.values(checks).every(Boolean),
  };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  printSummary(results);
  process.exitCode = results.passed ? 0 : 1;
}

/** Little's law for a closed loop: mean latency = calls in flight / throughput. */
function littleMs(run: { clients: number; calls_per_second: number }): number {
  return Math.round((run.clients / run.calls_per_second) * 1000);
}

function printSummary(results: Record<string, any>): void {
  const c = results.concurrency;
  const l = results.large_list;
  const row = (name: string, s: any) =>
    `  ${name.padEnd(26)} n=${String(s.count).padStart(5)}  p50=${s.p50_ms.toFixed(2)}  p95=${s.p95_ms.toFixed(2)}  p99=${s.p99_ms.toFixed(2)}  max=${s.max_ms.toFixed(2)} ms`;
  const b = results.control_bare_grpc_js;
  console.log(`gRPC load benchmark (${results.machine.cpus} cpu, node ${results.machine.node})`);
  console.log(`control, bare grpc-js server, same load: ${b.calls} calls, ${b.errors} errors, ${b.calls_per_second} calls/s`);
  console.log(row('control all', b.all));
  console.log(`  (a closed loop keeps all 100 calls in flight, so mean latency = 100 / throughput: control ${littleMs(b)} ms, agent ${littleMs(c)} ms)`);
  console.log(`100 clients x 10 iterations over mTLS: ${c.calls} calls, ${c.errors} errors, ${c.calls_per_second} calls/s`);
  console.log(row('all', c.all));
  for (const [method, summary] of Object.entries(c.by_method)) console.log(row(method, summary));
  for (const [method, summary] of Object.entries(c.agent_handling)) console.log(row(`agent handling ${method}`, summary));
  const p = results.paced;
  console.log(`same 100 clients paced at ${p.calls_per_second} calls/s (open loop): ${p.calls} calls, ${p.errors} errors`);
  console.log(row('paced all', p.all));
  for (const [method, summary] of Object.entries(p.by_method)) console.log(row(`paced ${method}`, summary));
  console.log(`GetActiveSessions over ${l.listed} sessions (${(l.response_bytes / 1e6).toFixed(2)} MB; client protobufjs decode ${l.client_protobufjs_decode_ms} ms, not included):`);
  console.log(row('GetActiveSessions 10k', l.get_active_sessions));
  console.log(row('agent handling 10k', l.agent_handling.GetActiveSessions));
  console.log(`heap after GC: baseline ${results.memory.heap_baseline_mb} MB, growth ${results.memory.heap_growth_mb} MB`);
  console.log(`handles leaked: ${results.handles.leaked.length === 0 ? 'none' : results.handles.leaked.join(', ')}`);
  for (const [check, ok] of Object.entries(results.checks)) console.log(`  ${ok ? 'PASS' : 'FAIL'} ${check}`);
  console.log(`results: ${RESULTS_FILE}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

