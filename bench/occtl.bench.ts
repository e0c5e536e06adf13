/*
 * occtl benchmark (issue: ocserv control). A real ocserv (the test lab, on
 * 127.0.0.1) with SESSIONS real openconnect sessions, and the agent managing it
 * as an operator runs it (dist/main.js, its own process, production defaults
 * but for the ports and certificates). A lean plain-JS client process
 * (occtl-measure.client.js) times, one call after another:
 *   1. raw `occtl -j show users` and `occtl -j show status` runs;
 *   2. GetActiveSessions over gRPC/mTLS (include_stats) against the same data,
 *      which the agent serves from its reconciled store.
 * Also timed here: the agent's parsing of that `show users` output.
 * Target: GetActiveSessions p99 <= 1/5 of raw `occtl -j show users` p99, same run.
 * Prints a summary and writes bench/results/occtl.json (occtl-<version>.json
 * for another ocserv: OCSERV_LAB_VERSION=1.5.0 npm run bench -- occtl; the raw
 * runs then go through the lab's chroot wrapper, as the agent's do).
 *   npm run bench -- occtl   (after npm run build)
 */
import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from '../e2e/support/agent-process';
import { writeAgentConfig } from '../e2e/support/config-file';
import type { GetActiveSessionsResponse } from '../src/generated/agent/v1/agent';
import { parseOcctlJson } from '../src/occtl/parsing/occtl-json.parser';
import { toOcctlUsers } from '../src/occtl/parsing/occtl-records.mapper';
import { connectAgent, mtlsCredentials } from '../test/support/agent-clients';
import { eventually } from '../test/support/ocserv-lab/lab-agent';
import { OcservLab } from '../test/support/ocserv-lab/ocserv-lab';
import { defaultLabVersion } from '../test/support/ocserv-lab/ocserv-versions';
import { TEST_IDENTITIES } from '../test/support/test-agent';
import { createTestPki, TestPki } from '../test/support/test-pki';
import { elapsedMs, summarize } from './bench-stats';

const SESSIONS = 24;
const OCCTL_RUNS = 300;
const GRPC_CALLS = 2000;
const PARSE_RUNS = 1000;
const TARGET_RATIO = 0.2;
const RESULTS_VERSION = defaultLabVersion();
const RESULTS_FILE = join(__dirname, 'results', RESULTS_VERSION === '1.1.6' ? 'occtl.json' : `occtl-${RESULTS_VERSION}.json`);

type Samples = Record<'raw_show_users' | 'raw_show_status' | 'grpc_get_active_sessions', number[]>;

function measure(args: object): Promise<Samples> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'occtl-measure.client.js'), JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(output) as Samples) : reject(new Error(`measuring client exited ${code}`))));
  });
}

function parseSamples(text: string): number[] {
  const samples: number[] = [];
  for (let i = 0; i < PARSE_RUNS; i += 1) {
    const started = process.hrtime.bigint();
    toOcctlUsers(parseOcctlJson(text), Date.now());
    samples.push(elapsedMs(started));
  }
  return samples;
}

/** The agent's own time per GetActiveSessions call (guard to handler result), from its `rpc` log lines. */
function handlingMs(agent: AgentProcess): number[] {
  return agent.lines
    .filter((line) => line.msg === 'rpc' && String(line.method).endsWith('/GetActiveSessions'))
    .map((line) => Number(line.duration_ms))
    .slice(-GRPC_CALLS);
}

async function startBareControl(pki: TestPki, responseFile: string): Promise<{ port: number; stop(): void }> {
  const tls = JSON.stringify({ ca: pki.caFile, cert: pki.server.certFile, key: pki.server.keyFile });
  const child = spawn(process.execPath, [join(__dirname, 'bare-sessions.server.js'), tls, responseFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`control server exited ${code}`)));
  });
  return { port, stop: () => child.kill('SIGTERM') };
}

async function main(): Promise<void> {
  const users = Array.from({ length: SESSIONS }, (_, i) => ({ username: `user${i}`, password: `pw-${i}` }));
  const lab = await OcservLab.start({ users });
  const pki = createTestPki(lab.dir);
  const configFile = writeAgentConfig(pki, 'bench-agent', {
    log: { level: process.env.BENCH_LOG_LEVEL ?? 'info' },
    ocserv: { occtl_path: lab.agentOcctlPath, socket_file: lab.occtlSocket, sync_sessions: true, events: true, config_per_user_dir: lab.configPerUserDir, config_per_group_dir: lab.configPerGroupDir },
  });
  const agent = new AgentProcess(['--config', configFile]);
  try {
    const { grpcPort } = await agent.started();
    for (const user of users) await lab.connect(user);
    const reader = pki.client(TEST_IDENTITIES.reader);
    const check = connectAgent(grpcPort, mtlsCredentials(pki, reader));
    const served = await eventually(
      () => check.unary<GetActiveSessionsResponse>(check.vpn, 'GetActiveSessions', {}),
      (response) => response.total_count === SESSIONS,
      15_000,
    );
    const served2 = await check.unary<GetActiveSessionsResponse>(check.vpn, 'GetActiveSessions', { include_stats: true });
    check.close();
    if (served.total_count !== SESSIONS) throw new Error(`agent serves ${served.total_count} sessions, expected ${SESSIONS}`);
    const responseFile = join(lab.dir, 'get-active-sessions.json');
    writeFileSync(responseFile, JSON.stringify(served2));
    const bare = await startBareControl(pki, responseFile);

    const clientTls = { ca: pki.ca.toString(), cert: reader.cert.toString(), key: reader.key.toString() };
    const control = await measure({ port: bare.port, pki: clientTls, sessions: SESSIONS, occtlRuns: 0, grpcCalls: GRPC_CALLS });
    bare.stop();
    const samples = await measure({
      occtl: lab.agentOcctlPath,
      socket: lab.occtlSocket,
      port: grpcPort,
      pki: clientTls,
      sessions: SESSIONS,
      occtlRuns: OCCTL_RUNS,
      grpcCalls: GRPC_CALLS,
    });
    const showUsersOutput = execFileSync(lab.agentOcctlPath, ['-s', lab.occtlSocket, '-j', 'show', 'users'], { encoding: 'utf8' });
    const results = {
      raw_show_users: summarize(samples.raw_show_users),
      raw_show_status: summarize(samples.raw_show_status),
      grpc_get_active_sessions: summarize(samples.grpc_get_active_sessions),
      control_bare_grpc_js_same_response: summarize(control.grpc_get_active_sessions),
      agent_handling_get_active_sessions: summarize(handlingMs(agent)),
      agent_parse_show_users: summarize(parseSamples(showUsersOutput)),
    };
    const ratio = results.grpc_get_active_sessions.p99_ms / results.raw_show_users.p99_ms;
    const controlRatio = results.control_bare_grpc_js_same_response.p99_ms / results.raw_show_users.p99_ms;
    const report = {
      when: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      sessions: SESSIONS,
      ocserv_version: lab.version,
      show_users_output_bytes: Buffer.byteLength(showUsersOutput),
      results,
      get_active_sessions_p99_over_raw_show_users_p99: Math.round(ratio * 1000) / 1000,
      control_p99_over_raw_show_users_p99: Math.round(controlRatio * 1000) / 1000,
      agent_handling_p99_over_raw_show_users_p99:
        Math.round((results.agent_handling_get_active_sessions.p99_ms / results.raw_show_users.p99_ms) * 1000) / 1000,
      target_ratio: TARGET_RATIO,
      met: ratio <= TARGET_RATIO,
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`occtl benchmark, ${SESSIONS} real sessions (ms)`);
    for (const [name, summary] of Object.entries(results)) {
      console.log(`  ${name.padEnd(36)} p50 ${summary.p50_ms.toFixed(2).padStart(7)}  p99 ${summary.p99_ms.toFixed(2).padStart(7)}  (n=${summary.count})`);
    }
    console.log(`  GetActiveSessions p99 / raw show users p99 = ${report.get_active_sessions_p99_over_raw_show_users_p99} (target <= ${TARGET_RATIO}): ${report.met ? 'met' : 'NOT met'}`);
    console.log(`  control (bare grpc-js, same response) p99 / raw show users p99 = ${report.control_p99_over_raw_show_users_p99}`);
    console.log(`  agent handling p99 / raw show users p99 = ${report.agent_handling_p99_over_raw_show_users_p99}`);
    console.log(`  written to ${RESULTS_FILE}`);
  } finally {
    agent.signal('SIGTERM');
    await Promise.race([agent.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    await agent.stop();
    await lab.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
