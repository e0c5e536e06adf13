import { execFileSync } from 'node:child_process';

export interface ReadOnlyDirectory {
  /** How the directory was made read-only, for the test's name and log. */
  readonly mechanism: string;
  /** Makes it writable again; safe to call twice. */
  undo(): void;
}

/**
 * Makes `dir` read-only for root too (root ignores mode bits): first a read-only bind mount of the directory onto
 * itself (writes fail with EROFS, as on a read-only /etc), else the immutable attribute (EPERM). Returns undefined when
 * this machine allows neither (no CAP_SYS_ADMIN, or a filesystem without chattr support), so the caller skips and says why.
 * A mount is also undone in a process exit hook, so a crashed test run does not leave it behind.
 */
export function makeDirectoryReadOnly(dir: string): ReadOnlyDirectory | undefined {
  return bindMountReadOnly(dir) ?? makeImmutable(dir);
}

function bindMountReadOnly(dir: string): ReadOnlyDirectory | undefined {
  try {
    execFileSync('mount', ['--bind', dir, dir], { stdio: 'pipe' });
  } catch {
    return undefined;
  }
  let mounted = true;
  const undo = (): void => {
    if (!mounted) return;
    mounted = false;
    execFileSync('umount', [dir], { stdio: 'pipe' });
  };
  process.once('exit', () => {
    try {
      undo();
    } catch {
      // Nothing more can be done at exit; the mount point is reported by the test's afterAll if still there.
    }
  });
  try {
    execFileSync('mount', ['-o', 'remount,ro,bind', dir], { stdio: 'pipe' });
  } catch {
    undo();
    return undefined;
  }
  return { mechanism: 'read-only bind mount', undo };
}

function makeImmutable(dir: string): ReadOnlyDirectory | undefined {
  try {
    execFileSync('chattr', ['+i', dir], { stdio: 'pipe' });
  } catch {
    return undefined;
  }
  let immutable = true;
  const undo = (): void => {
    if (!immutable) return;
    immutable = false;
    execFileSync('chattr', ['-i', dir], { stdio: 'pipe' });
  };
  process.once('exit', () => {
    try {
      undo();
    } catch {
      // As above.
    }
  });
  return { mechanism: 'immutable attribute (chattr +i)', undo };
}
