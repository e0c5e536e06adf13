import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly ppid: number;
  readonly pgrp: number;
  /** utime + stime, ms. */
  readonly ownMs: number;
  /** cutime + cstime (children waited for), ms. */
  readonly childrenMs: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    const tick = (index: number) => (Number(fields[index]) * 1000) / USER_HZ;
    // fields[0] is the state (stat field 3): utime is field 14, so index 11.
    return { pid, comm, ppid: Number(fields[1]), pgrp: Number(fields[2]), ownMs: tick(11) + tick(12), childrenMs: tick(13) + tick(14) };
  } catch {
    return undefined;
  }
}

function allStats(): ProcStat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => readStat(Number(name)) ?? []);
}

/** CPU ms used so far by the named groups of processes (read-only /proc walk). */
export interface CpuGroups {
  readonly agent: number;
  readonly simulator: number;
  /** ocserv's process group (main, sec-mod, workers) plus reaped children (the connect-script runs). */
  readonly ocserv: number;
  /** openconnect clients, children of this process. */
  readonly openconnect: number;
  readonly bench: number;
}

export function cpuSnapshot(pids: { agent?: number; simulator?: number; ocservGroup?: number }): CpuGroups {
  const stats = allStats();
  const own = (pid: number | undefined) => stats.find((stat) => stat.pid === pid)?.ownMs ?? 0;
  const ocserv = stats
    .filter((stat) => pids.ocservGroup !== undefined && stat.pgrp === pids.ocservGroup)
    .reduce((sum, stat) => sum + stat.ownMs + stat.childrenMs, 0);
  const openconnect = stats
    .filter((stat) => stat.ppid === process.pid && stat.comm === 'openconnect')
    .reduce((sum, stat) => sum + stat.ownMs, 0);
  return { agent: own(pids.agent), simulator: own(pids.simulator), ocserv, openconnect, bench: own(process.pid) };
}

export function cpuDelta(before: CpuGroups, after: CpuGroups): CpuGroups {
  return {
    agent: after.agent - before.agent,
    simulator: after.simulator - before.simulator,
    ocserv: after.ocserv - before.ocserv,
    openconnect: after.openconnect - before.openconnect,
    bench: after.bench - before.bench,
  };
}
