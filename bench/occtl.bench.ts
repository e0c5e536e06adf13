/*
 * occtl benchmark (issue: ocserv control). A real ocserv (the test lab, on
 * 127.0.0.1) with SESSIONS real openconnect sessions, and the agent managing it:
 *   1. raw `occtl -j show users` and `occtl -j show status`, spawned one after
 *      another (what any wrapper pays per call);
 *   2. the same through OcctlService (spawn + tolerant parse + mapping);
 *   3. GetActiveSessions over gRPC/mTLS (include_stats) against the same data,
 *      which the agent serves from its reconciled store.
 * Target: GetActiveSessions p99 <= 1/5 of raw `occtl -j show users` p99, same run.
 * Prints a summary and writes bench/results/occtl.json.
 *   npm run bench
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { GetActiveSessionsResponse } from '../src/generated/agent/v1/agent';
import { OcctlService } from '../src/occtl/occtl.service';
import { eventually, startLabAgent } from '../test/support/ocserv-lab/lab-agent';
import { OcservLab } from '../test/support/ocserv-lab/ocserv-lab';
import { TEST_IDENTITIES } from '../test/support/test-agent';
import { elapsedMs, summarize } from './bench-stats';

const SESSIONS = 24;
const OCCTL_RUNS = 200;
const GRPC_CALLS = 1000;
const TARGET_RATIO = 0.2;
const RESULTS_FILE = join(__dirname, 'results', 'occtl.json');

function rawOcctl(socket: string, args: readonly string[]): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/occtl', ['-s', socket, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(elapsedMs(started)) : reject(new Error(`occtl exited ${code}`))));
  });
}

async function timeEach(runs: number, action: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = process.hrtime.bigint();
    await action();
    samples.push(elapsedMs(started));
  }
  return samples;
}

async function main(): Promise<void> {
  const users = Array.from({ length: SESSIONS }, (_, i) => ({ username: `user${i}`, password: `pw-${i}` }));
  const lab = await OcservLab.start({ users });
  const agent = await startLabAgent(lab, { log: { level: 'warn' } });
  try {
    for (const user of users) await lab.connect(user);
    const client = agent.clientAs(TEST_IDENTITIES.reader);
    const list = () => client.unary<GetActiveSessionsResponse>(client.vpn, 'GetActiveSessions', { include_stats: true });
    const served = await eventually(list, (response) => response.total_count === SESSIONS, 15_000);
    if (served.total_count !== SESSIONS) throw new Error(`agent serves ${served.total_count} sessions, expected ${SESSIONS}`);
    const occtl = agent.agent.app.get(OcctlService);

    // Warm-up: page cache, JIT, the HTTP/2 connection.
    await timeEach(20, () => rawOcctl(lab.occtlSocket, ['-j', 'show', 'users']));
    await timeEach(100, list);

    const results = {
      raw_show_users: summarize(await timeEach(OCCTL_RUNS, () => rawOcctl(lab.occtlSocket, ['-j', 'show', 'users']))),
      raw_show_status: summarize(await timeEach(OCCTL_RUNS, () => rawOcctl(lab.occtlSocket, ['-j', 'show', 'status']))),
      service_show_users: summarize(await timeEach(OCCTL_RUNS, () => occtl.showUsers())),
      service_show_status: summarize(await timeEach(OCCTL_RUNS, () => occtl.showStatus())),
      grpc_get_active_sessions: summarize(await timeEach(GRPC_CALLS, list)),
    };
    const ratio = results.grpc_get_active_sessions.p99_ms / results.raw_show_users.p99_ms;
    const report = {
      when: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      sessions: SESSIONS,
      ocserv_version: '1.1.6',
      results,
      get_active_sessions_p99_over_raw_show_users_p99: Math.round(ratio * 1000) / 1000,
      target_ratio: TARGET_RATIO,
      met: ratio <= TARGET_RATIO,
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`occtl benchmark, ${SESSIONS} real sessions (ms)`);
    for (const [name, summary] of Object.entries(results)) {
      console.log(`  ${name.padEnd(26)} p50 ${summary.p50_ms.toFixed(2).padStart(7)}  p99 ${summary.p99_ms.toFixed(2).padStart(7)}  (n=${summary.count})`);
    }
    console.log(`  GetActiveSessions p99 / raw show users p99 = ${report.get_active_sessions_p99_over_raw_show_users_p99} (target <= ${TARGET_RATIO}): ${report.met ? 'met' : 'NOT met'}`);
    console.log(`  written to ${RESULTS_FILE}`);
  } finally {
    await agent.stop();
    await lab.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
