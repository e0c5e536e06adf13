/*
 * What a version of the ocserv test lab costs (issue 13): per version, the time
 * of OcservLab.start (two users; for 1.3.0 / 1.5.0 the cached rootfs's check,
 * the /dev and /proc mounts and ocserv under chroot), of one openconnect login,
 * and of lab.stop (client, ocserv, unmount). The first start of each version in
 * a process is reported apart: it runs scripts/ocserv-rootfs.sh (cached: no
 * build; a cold build is that script's own 15-25 s).
 *   npm run bench -- ocserv-lab
 * Prints a summary and writes bench/results/ocserv-lab.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { OcservLab } from '../test/support/ocserv-lab/ocserv-lab';
import { OCSERV_VERSIONS, OcservVersion } from '../test/support/ocserv-lab/ocserv-versions';
import { elapsedMs, summarize } from './bench-stats';

const RUNS = 8;
const USERS = [
  { username: 'alice', password: 'alice-pw' },
  { username: 'bob', password: 'bob-pw', group: 'devs' },
];
const RESULTS_FILE = join(__dirname, 'results', 'ocserv-lab.json');

async function cycle(version: OcservVersion): Promise<{ startMs: number; connectMs: number; stopMs: number }> {
  let started = process.hrtime.bigint();
  const lab = await OcservLab.start({ version, users: USERS });
  const startMs = elapsedMs(started);
  try {
    started = process.hrtime.bigint();
    await lab.connect(USERS[0]!);
    const connectMs = elapsedMs(started);
    started = process.hrtime.bigint();
    await lab.stop();
    return { startMs, connectMs, stopMs: elapsedMs(started) };
  } finally {
    await lab.stop();
  }
}

async function main(): Promise<void> {
  const report: Record<string, unknown> = {};
  console.log(`ocserv lab per version, ${RUNS} runs after the first (ms)`);
  for (const version of Object.keys(OCSERV_VERSIONS) as OcservVersion[]) {
    const first = await cycle(version);
    const runs = [];
    for (let i = 0; i < RUNS; i += 1) runs.push(await cycle(version));
    const result = {
      first_start_ms: Math.round(first.startMs),
      start: summarize(runs.map((run) => run.startMs)),
      connect: summarize(runs.map((run) => run.connectMs)),
      stop: summarize(runs.map((run) => run.stopMs)),
    };
    report[version] = result;
    console.log(
      `  ${version}  first start ${result.first_start_ms}  start p50 ${result.start.p50_ms.toFixed(0)} max ${result.start.max_ms.toFixed(0)}` +
        `  connect p50 ${result.connect.p50_ms.toFixed(0)}  stop p50 ${result.stop.p50_ms.toFixed(0)} max ${result.stop.max_ms.toFixed(0)}`,
    );
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify({ when: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, runs: RUNS, versions: report }, null, 2)}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
