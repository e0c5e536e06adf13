import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OcservVersion, RootfsSuite } from './ocserv-versions';

/*
 * The rootfs of another Debian release (scripts/ocserv-rootfs.sh builds and
 * caches it) and the /dev and /proc mounts a chroot'ed ocserv needs
 * (rootfs-mounts.sh counts their users across processes and undoes them).
 */

const REPO_ROOT = join(__dirname, '../../..');
const ROOTFS_SCRIPT = join(REPO_ROOT, 'scripts/ocserv-rootfs.sh');
const MOUNTS_SCRIPT = join(__dirname, 'rootfs-mounts.sh');
/** A cold build takes 15-25 s; the lock may also be held by another worker's build. */
const ROOTFS_BUILD_TIMEOUT_MS = 15 * 60_000;
const MOUNTS_TIMEOUT_MS = 90_000;
const STAMP_VERSION_PATTERN = /^ocserv=.*?(\d+\.\d+\.\d+)/m;

const rootfsBySuite = new Map<RootfsSuite, string>();

/** The cached rootfs of `suite` (built when missing or stale), checked to hold ocserv `version`. */
export function ensureRootfs(suite: RootfsSuite, version: OcservVersion): string {
  let rootfs = rootfsBySuite.get(suite);
  if (rootfs === undefined) {
    rootfs = execFileSync('bash', [ROOTFS_SCRIPT, suite], {
      encoding: 'utf8',
      timeout: ROOTFS_BUILD_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    rootfsBySuite.set(suite, rootfs);
  }
  const built = STAMP_VERSION_PATTERN.exec(readFileSync(join(rootfs, '.ocserv-rootfs'), 'utf8'))?.[1];
  if (built !== version) {
    // sid moves on: a new upload is a new version for the matrix, not a silent change under 1.5.0.
    throw new Error(`${rootfs} holds ocserv ${built ?? 'of an unknown version'}, not ${version}: update OCSERV_VERSIONS`);
  }
  return rootfs;
}

const held = new Set<RootfsMountLease>();
let exitHooked = false;

/** One lab's use of a rootfs's mounts: acquired before its ocserv starts, released after it stopped. */
export class RootfsMountLease {
  private released = false;
  private serverPid: number | undefined;

  private constructor(
    readonly rootfs: string,
    private readonly user: string,
  ) {}

  static acquire(rootfs: string, labDir: string): RootfsMountLease {
    const lease = new RootfsMountLease(rootfs, `${process.pid}-${randomBytes(6).toString('hex')}`);
    runMounts(['acquire', rootfs, lease.user, String(process.pid), labDir]);
    held.add(lease);
    if (!exitHooked) {
      exitHooked = true;
      // A test that failed before its afterAll: kill its ocserv (the mounts stay busy while it
      // lives) and give the mounts back, synchronously as 'exit' requires.
      process.once('exit', () => held.forEach((each) => each.releaseAtExit()));
    }
    return lease;
  }

  /** Recorded so a later run can kill it if this process dies without releasing. */
  serverStarted(pid: number): void {
    this.serverPid = pid;
    runMounts(['server', this.rootfs, this.user, String(pid)]);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this);
    runMounts(['release', this.rootfs, this.user]);
  }

  private releaseAtExit(): void {
    if (this.serverPid !== undefined) {
      try {
        process.kill(-this.serverPid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    try {
      this.release();
    } catch {
      // The next acquire on this rootfs prunes this user.
    }
  }
}

function runMounts(args: readonly string[]): void {
  execFileSync('bash', [MOUNTS_SCRIPT, ...args], { timeout: MOUNTS_TIMEOUT_MS, stdio: ['ignore', 'ignore', 'pipe'] });
}
