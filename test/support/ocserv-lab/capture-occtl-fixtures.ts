import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trackPid, untrackPid, waitForExit } from './lab-processes';
import { LabUser, OcservLab } from './ocserv-lab';
import { OCSERV_VERSIONS, OcservVersion, isOcservVersion } from './ocserv-versions';

/*
 * Records what each real occtl prints, for the parser tests (issue 13):
 *   bash scripts/capture-occtl-fixtures.sh [VERSION...]     (default: every version)
 * writes test/fixtures/ocserv-<version>/ from a fresh lab with alice (no group)
 * and bob (group devs, a User-Agent with quotes and a backslash) connected over
 * real openconnect, through the same occtl the agent runs (the version's own,
 * `-s <socket>`, LANG=C). Ban scoring stays off (max-ban-score = 0), so the ban
 * lists are the empty ones. capture.json lists every command with its exit code.
 */

const FIXTURES_ROOT = join(__dirname, '../../fixtures');
const ALICE: LabUser = { username: 'alice', password: 'alice-pw' };
const BOB: LabUser = { username: 'bob', password: 'bob-pw', group: 'devs' };
const CAROL: LabUser = { username: 'carol', password: 'carol-pw' };
const BOB_USER_AGENT = 'Evil "UA" \\ test';
/** The agent's environment for occtl (OcctlRunner): numbers and dates in the C locale. */
const OCCTL_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C' };
const COMMAND_TIMEOUT_MS = 10_000;
/** show events prints a connect and a disconnect within this after they happen. */
const EVENTS_SETTLE_MS = 1_500;

interface Capture {
  readonly file: string;
  readonly argv: readonly string[];
  readonly exitCode: number | null;
}

/** [fixture file, occtl arguments]; `{id}` and `{session}` are alice's. */
const COMMANDS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['version.txt', ['--version']],
  ['help.txt', ['--help']],
  ['show-status.json', ['-j', 'show', 'status']],
  ['show-status.txt', ['show', 'status']],
  ['show-users.json', ['-j', 'show', 'users']],
  ['show-users.txt', ['show', 'users']],
  ['show-user.json', ['-j', 'show', 'user', 'alice']],
  ['show-id.json', ['-j', 'show', 'id', '{id}']],
  ['show-id.txt', ['show', 'id', '{id}']],
  ['show-sessions-all.json', ['-j', 'show', 'sessions', 'all']],
  ['show-sessions-all.txt', ['show', 'sessions', 'all']],
  ['show-sessions-valid.json', ['-j', 'show', 'sessions', 'valid']],
  ['show-session.json', ['-j', 'show', 'session', '{session}']],
  ['show-iroutes.json', ['-j', 'show', 'iroutes']],
  ['show-iroutes.txt', ['show', 'iroutes']],
  ['show-ip-bans.json', ['-j', 'show', 'ip', 'bans']],
  ['show-ip-bans.txt', ['show', 'ip', 'bans']],
  ['show-ip-ban-points.json', ['-j', 'show', 'ip', 'ban', 'points']],
];

async function captureVersion(version: OcservVersion): Promise<void> {
  const out = join(FIXTURES_ROOT, `ocserv-${version}`);
  const lab = await OcservLab.start({ version, users: [ALICE, BOB, CAROL] });
  try {
    await lab.connect(ALICE);
    await lab.connect(BOB, { userAgent: BOB_USER_AGENT });
    const occtl = (args: readonly string[]) => runOcctl(lab, args);
    // Read with patterns, not the agent's parser: a version the parser cannot read must still be captured.
    const aliceId = /"ID":\s*(\d+)/.exec(occtl(['-j', 'show', 'user', 'alice']).stdout)?.[1] ?? '0';
    const aliceSession = /"Session":\s*"([^"]+)"[^}]*?"Username":\s*"alice"/.exec(occtl(['-j', 'show', 'sessions', 'all']).stdout)?.[1] ?? '';

    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const captures: Capture[] = [];
    for (const [file, template] of COMMANDS) {
      const argv = template.map((arg) => arg.replace('{id}', aliceId).replace('{session}', aliceSession));
      const result = occtl(argv);
      // occtl --version prints to stderr.
      writeFileSync(join(out, file), file === 'version.txt' ? result.stdout + result.stderr : result.stdout);
      captures.push({ file, argv, exitCode: result.exitCode });
    }
    writeFileSync(join(out, 'show-events.txt'), await captureEvents(lab));
    captures.push({ file: 'show-events.txt', argv: ['show', 'events'], exitCode: null });
    writeFileSync(
      join(out, 'capture.json'),
      `${JSON.stringify(
        {
          version,
          source: OCSERV_VERSIONS[version].distribution,
          capturedAt: new Date().toISOString(),
          // Connected while every command but show events ran; carol connects and quits during show events.
          clients: [
            { username: 'alice', groupname: '' },
            { username: 'bob', groupname: 'devs', userAgent: BOB_USER_AGENT },
          ],
          banScoring: false,
          captures,
        },
        null,
        2,
      )}\n`,
    );
    process.stderr.write(`captured ${captures.length} outputs of ocserv ${version} into ${out}\n`);
  } finally {
    await lab.stop();
  }
}

function runOcctl(lab: OcservLab, args: readonly string[]): { stdout: string; stderr: string; exitCode: number | null } {
  const result = spawnSync(lab.agentOcctlPath, ['-s', lab.occtlSocket, ...args], {
    encoding: 'utf8',
    env: OCCTL_ENV,
    timeout: COMMAND_TIMEOUT_MS,
  });
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.status };
}

/** `show events` as the agent runs it (stdbuf -oL, stdin an open pipe) while carol connects and quits. */
async function captureEvents(lab: OcservLab): Promise<string> {
  const child = spawn('/usr/bin/stdbuf', ['-oL', lab.agentOcctlPath, '-s', lab.occtlSocket, 'show', 'events'], {
    env: OCCTL_ENV,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  trackPid(child.pid, false);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  try {
    await sleep(EVENTS_SETTLE_MS);
    const carol = await lab.connect(CAROL);
    await sleep(EVENTS_SETTLE_MS);
    await carol.stop();
    await sleep(EVENTS_SETTLE_MS);
  } finally {
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 5_000))) child.kill('SIGKILL');
    untrackPid(child.pid);
  }
  return output;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(argv: readonly string[]): Promise<void> {
  const wanted = argv.length === 0 ? (Object.keys(OCSERV_VERSIONS) as OcservVersion[]) : argv;
  for (const version of wanted) {
    if (!isOcservVersion(version)) throw new Error(`unknown ocserv version ${version}: expected one of ${Object.keys(OCSERV_VERSIONS).join(', ')}`);
    await captureVersion(version);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exitCode = 1;
});
