/** Readings of other processes from /proc (Linux only): CPU time, resident memory, Postgres processes. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface CpuTimes {
  /** utime + stime of the process itself, ms. */
  selfMs: number;
  /** cutime + cstime: children it has waited for (git, bash, …), ms. */
  childrenMs: number;
}

/** Fields of /proc/PID/stat (or of one thread's, `task/TID/stat`) after the parenthesised command name (which may contain spaces). */
function statFields(pid: number, tid?: number): string[] | undefined {
  try {
    const text = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** A process's CPU times; with `tid`, those of that one thread of it (`childrenMs` is then the process's). */
export function cpuTimes(pid: number, tid?: number): CpuTimes {
  const fields = statFields(pid, tid);
  if (!fields) return { selfMs: Number.NaN, childrenMs: Number.NaN };
  // stat(5): field 14 utime, 15 stime, 16 cutime, 17 cstime; `fields` starts at field 3.
  const tick = 1000 / clockTicks();
  const at = (field: number) => Number(fields[field - 3]) * tick;
  return { selfMs: at(14) + at(15), childrenMs: at(16) + at(17) };
}

/** VmRSS in MiB, or NaN when the process is gone. */
export function rssMiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** VmHWM (peak RSS) in MiB, or NaN. */
export function peakRssMiB(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

function parentOf(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? Number(fields[1]) : undefined;
}

/** The postmaster listening on `port`: a `postgres` process with `-p PORT` whose parent is not postgres. */
export function findPostmaster(port: number): number | undefined {
  for (const pid of pids()) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!argv[0]?.endsWith('/postgres')) continue;
    const index = argv.indexOf('-p');
    if (index >= 0 && argv[index + 1] === String(port)) return pid;
  }
  return undefined;
}

/**
 * A process's CPU times with `childrenMs` counting its live descendants too
 * (a child that serves for long, as the controller's git helper or an agent's
 * job shell, accounts for what it ran only once it is reaped itself).
 */
export function cpuWithDescendants(pid: number): CpuTimes {
  const { selfMs } = cpuTimes(pid);
  return { selfMs, childrenMs: treeCpuMs(pid) - selfMs };
}

/** CPU ms of a process and all its live descendants, plus the reaped children it accounted for. */
export function treeCpuMs(root: number): number {
  const children = new Map<number, number[]>();
  for (const pid of pids()) {
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    const list = children.get(parent) ?? [];
    list.push(pid);
    children.set(parent, list);
  }
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    const times = cpuTimes(pid);
    if (Number.isFinite(times.selfMs)) total += times.selfMs + times.childrenMs;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}
