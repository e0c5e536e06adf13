/*
 * Per-user file writes through the API (issue 10): 100 concurrent UpdateUserRoutes for
 * distinct users over real gRPC/mTLS into a real agent process, against the control of
 * 100 plain atomic writes of the same files by a bare Node process, in the same run
 * (each round: control, then agent, on fresh files). Then 100 concurrent updates of ONE
 * user: the file must end complete and equal to one of the requests.
 * Targets: p95 <= 50 ms, p95 ratio agent/control <= 3.
 * Prints and writes bench/results/user-config.json.   npm run bench -- user-config
 */
import 'reflect-metadata';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AgentProcess } from '../e2e/support/agent-process';
import { writeAgentConfig } from '../e2e/support/config-file';
import { connectAgent, mtlsCredentials } from '../test/support/agent-clients';
import { TEST_IDENTITIES } from '../test/support/test-agent-config';
import { createTestPki } from '../test/support/test-pki';
import { summarize, type LatencySummary } from './bench-stats';

const COUNT = Number(process.env.USER_CONFIG_COUNT ?? 100);
const ROUNDS = Number(process.env.USER_CONFIG_ROUNDS ?? 3);
const P95_TARGET_MS = 50;
const RATIO_TARGET = 3;
const RESULTS_FILE = join(__dirname, 'results', 'user-config.json');
const run = promisify(execFile);

interface Round {
  round: number;
  control: LatencySummary;
  /** The same RPC from the same client into a bare grpc-js server (own process, same mTLS) that only does the atomic write. */
  bare_grpc_write: LatencySummary;
  /** 100 concurrent GetUserConfig of absent users: the same gRPC/mTLS path with no write (for information). */
  rpc_floor: LatencySummary;
  agent: LatencySummary;
  ratio_p95: number;
  ratio_p95_to_bare_grpc_write: number;
}

function routesOf(index: number): string[] {
  return [`10.${index % 256}.0.0/16`, `172.16.${index % 256}.0/24`];
}

async function control(dir: string, prefix: string): Promise<number[]> {
  const { stdout } = await run(process.execPath, [join(__dirname, 'bare-atomic-writes.js'), dir, String(COUNT), prefix]);
  return (JSON.parse(stdout) as { latencies_ms: number[] }).latencies_ms;
}

/** Starts bench/bare-config-writes.server.ts as its own process; resolves with it and its port. */
function startBareWriter(pki: ReturnType<typeof createTestPki>, dir: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'bare-config-writes.server.ts'), pki.caFile, pki.server.certFile, pki.server.keyFile, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
    });
    child.stdout?.once('data', (chunk: Buffer) => resolve({ child, port: Number(chunk.toString().trim()) }));
    child.once('exit', (code) => reject(new Error(`bare writer exited ${code}`)));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-user-config-'));
  const pki = createTestPki(dir);
  const perUser = join(dir, 'config-per-user');
  const perGroup = join(dir, 'config-per-group');
  const controlDir = join(dir, 'control');
  const bareGrpcDir = join(dir, 'bare-grpc');
  for (const path of [perUser, perGroup, controlDir, bareGrpcDir]) mkdirSync(path, { mode: 0o755 });
  const bare = await startBareWriter(pki, bareGrpcDir);
  const config = writeAgentConfig(pki, 'user-config-bench', {
    // info, as an operator runs it: every write is logged (and the "agent started" line is info).
    log: { level: 'info' },
    ocserv: { config_per_user_dir: perUser, config_per_group_dir: perGroup, sync_sessions: false, events: false },
  });
  const agent = new AgentProcess(['--config', config]);
  try {
    const { grpcPort } = await agent.started();
    const client = connectAgent(grpcPort, mtlsCredentials(pki, pki.client(TEST_IDENTITIES.operator)));
    const bareClient = connectAgent(bare.port, mtlsCredentials(pki, pki.client(TEST_IDENTITIES.operator)));
    const bareUpdate = async (username: string, routes: string[]): Promise<number> => {
      const started = process.hrtime.bigint();
      await bareClient.unary(bareClient.vpn, 'UpdateUserRoutes', { username, routes, dns_servers: ['10.0.0.53'], config_params: {}, reload_if_connected: false });
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    await bareUpdate('warmup', routesOf(0));
    const update = async (username: string, routes: string[]): Promise<number> => {
      const started = process.hrtime.bigint();
      await client.unary(client.vpn, 'UpdateUserRoutes', { username, routes, dns_servers: ['10.0.0.53'], config_params: {}, reload_if_connected: false });
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const read = async (username: string): Promise<number> => {
      const started = process.hrtime.bigint();
      await client.unary(client.config, 'GetUserConfig', { username });
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    await update('warmup', routesOf(0));
    const rounds: Round[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const prefix = `r${round}u`;
      const controlMs = await control(controlDir, prefix);
      const bareGrpcMs = await Promise.all(Array.from({ length: COUNT }, (_, index) => bareUpdate(`${prefix}${index}`, routesOf(index))));
      const floorMs = await Promise.all(Array.from({ length: COUNT }, (_, index) => read(`absent${round}x${index}`)));
      const agentMs = await Promise.all(Array.from({ length: COUNT }, (_, index) => update(`${prefix}${index}`, routesOf(index))));
      const summary = { round, control: summarize(controlMs), bare_grpc_write: summarize(bareGrpcMs), ratio_p95_to_bare_grpc_write: 0, rpc_floor: summarize(floorMs), agent: summarize(agentMs), ratio_p95: 0 };
      summary.ratio_p95 = Math.round((summary.agent.p95_ms / summary.control.p95_ms) * 100) / 100;
      summary.ratio_p95_to_bare_grpc_write = Math.round((summary.agent.p95_ms / summary.bare_grpc_write.p95_ms) * 100) / 100;
      rounds.push(summary);
      console.log(`  round ${round}: agent p95 ${summary.agent.p95_ms} ms p99 ${summary.agent.p99_ms} ms; bare p95 ${summary.control.p95_ms} ms p99 ${summary.control.p99_ms} ms; ratio p95 ${summary.ratio_p95}; bare grpc-js + write p95 ${summary.bare_grpc_write.p95_ms} ms (ratio ${summary.ratio_p95_to_bare_grpc_write}); agent read-only RPC p95 ${summary.rpc_floor.p95_ms} ms`);
    }
    // One user, COUNT writers at once: serialized per file, so the file is one request's, whole.
    const requests = Array.from({ length: COUNT }, (_, index) => routesOf(index + 1));
    await Promise.all(requests.map((routes) => update('contended', routes)));
    const text = readFileSync(join(perUser, 'contended'), 'utf8');
    const written = text.split('\n').filter((line) => line.startsWith('route = ')).map((line) => line.slice('route = '.length));
    const matchesOne = requests.some((routes) => JSON.stringify(routes) === JSON.stringify(written));
    const leftovers = readdirSync(perUser).filter((name) => name.endsWith('.tmp'));

    const p95s = rounds.map((round) => round.agent.p95_ms).sort((a, b) => a - b);
    const ratios = rounds.map((round) => round.ratio_p95).sort((a, b) => a - b);
    const medianP95 = p95s[Math.floor(p95s.length / 2)] ?? NaN;
    const medianRatio = ratios[Math.floor(ratios.length / 2)] ?? NaN;
    const grpcRatios = rounds.map((round) => round.ratio_p95_to_bare_grpc_write).sort((a, b) => a - b);
    const medianGrpcRatio = grpcRatios[Math.floor(grpcRatios.length / 2)] ?? NaN;
    const bareGrpcP95s = rounds.map((round) => round.bare_grpc_write.p95_ms).sort((a, b) => a - b);
    const medianBareGrpcP95 = bareGrpcP95s[Math.floor(bareGrpcP95s.length / 2)] ?? NaN;
    const met = medianP95 <= P95_TARGET_MS && medianRatio <= RATIO_TARGET && matchesOne && leftovers.length === 0;
    const report = {
      when: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      count: COUNT,
      rounds,
      median_agent_p95_ms: medianP95,
      median_ratio_p95: medianRatio,
      median_bare_grpc_write_p95_ms: medianBareGrpcP95,
      median_ratio_p95_to_bare_grpc_write: medianGrpcRatio,
      contended: { writers: COUNT, file_equals_one_request: matchesOne, temp_files_left: leftovers.length },
      target: { p95_ms: P95_TARGET_MS, ratio: RATIO_TARGET },
      met,
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`  ${COUNT} concurrent UpdateUserRoutes: median p95 ${medianP95} ms (target <= ${P95_TARGET_MS}), median ratio to bare atomic writes ${medianRatio} (target <= ${RATIO_TARGET})`);
    console.log(`  same RPC into a bare grpc-js server that only writes (same mTLS, own process): median p95 ${medianBareGrpcP95} ms; agent / that: ${medianGrpcRatio}`);
    console.log(`  ${COUNT} concurrent updates of one user: file equals one request ${matchesOne}, temp files left ${leftovers.length}`);
    console.log(`  target: ${met ? 'met' : 'NOT met'}; written to ${RESULTS_FILE}`);
    client.close();
    bareClient.close();
  } finally {
    bare.child.kill('SIGTERM');
    agent.signal('SIGTERM');
    await Promise.race([agent.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
