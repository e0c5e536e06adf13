import type { ChildProcess } from 'node:child_process';

/*
 * Pids the lab started, killed on process exit even when a test failed before
 * its afterAll ran. Only these pids (or their process groups) are ever signalled.
 */
const tracked = new Map<number, { group: boolean }>();
let hooked = false;

export function trackPid(pid: number | undefined, group: boolean): void {
  if (pid === undefined) return;
  tracked.set(pid, { group });
  if (!hooked) {
    hooked = true;
    process.once('exit', () => tracked.forEach((entry, id) => signal(id, entry.group, 'SIGKILL')));
  }
}

export function untrackPid(pid: number | undefined): void {
  if (pid !== undefined) tracked.delete(pid);
}

export function killGroup(pid: number, sig: NodeJS.Signals): void {
  signal(pid, true, sig);
}

function signal(pid: number, group: boolean, sig: NodeJS.Signals): void {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch {
    // Already gone.
  }
}

/** Resolves true once the child has exited, false after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
