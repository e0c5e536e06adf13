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
  const undo = undoOnceAndAtExit(() => execFileSync('umount', [dir], { stdio: 'pipe' }));
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
  return { mechanism: 'immutable attribute (chattr +i)', undo: undoOnceAndAtExit(() => execFileSync('chattr', ['-i', dir], { stdio: 'pipe' })) };
}

/** `restore` run at most once: by the caller, or else when the process exits (a crashed run leaves nothing behind). */
function undoOnceAndAtExit(restore: () => void): () => void {
  let pending = true;
  const undo = (): void => {
    if (!pending) return;
    pending = false;
    restore();
  };
  process.once('exit', () => {
    try {
      undo();
    } catch {
      // Nothing more can be done at exit; the test's afterAll reports a directory still read-only.
    }
  });
  return undo;
}
