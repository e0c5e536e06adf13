import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
}

/** Every process on the machine, read from /proc (a process gone while we look is left out). */
export function listProcesses(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may hold spaces, so split after the last ')'.
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      found.push({ pid: Number(entry), ppid: Number(fields[1]), comm: stat.slice(stat.indexOf('(') + 1, close) });
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/** The live children of `pid` (a zombie still counts until its parent reaps it). */
export function childrenOf(pid: number): ProcessInfo[] {
  return listProcesses().filter((info) => info.ppid === pid);
}
