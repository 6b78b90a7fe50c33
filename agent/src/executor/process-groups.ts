/**
 * Signals to process groups and sessions, and whether a group still has a
 * live member. Zombies do not count: where nothing reaps orphans (a container
 * whose pid 1 does not wait), a killed background process stays a zombie
 * forever, and kill(-pgid, 0) alone would say the group lives on.
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';

/** Sends a signal to a whole process group; false if the group is gone (or empty). */
export function signalGroup(pgid: number, signalName: NodeJS.Signals | 0): boolean {
  if (!(pgid > 1)) return false;
  try {
    process.kill(-pgid, signalName);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    // EPERM: a member changed its credentials (setuid); it is not ours to stop.
    if (code === 'EPERM') return false;
    throw error;
  }
}

interface ProcStat {
  state: string;
  pgid: number;
  sid: number;
}

/**
 * Where every /proc/PID/stat is read: one line of a few hundred bytes (52
 * numbers and the command's name, at most 64 bytes even for a kernel thread).
 * readFileSync would allocate 64 KiB per file, a size /proc does not report,
 * and the page faults on that memory cost a scan of a busy host's /proc
 * several milliseconds.
 */
const statBuffer = Buffer.alloc(4096);

function readProcStat(pid: string): ProcStat | undefined {
  let stat: string;
  try {
    const fd = openSync(`/proc/${pid}/stat`, 'r');
    try {
      stat = statBuffer.toString('latin1', 0, readSync(fd, statBuffer, 0, statBuffer.length, null));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined; // gone meanwhile
  }
  // "pid (comm) state ppid pgrp session …"; comm may contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ', 4);
  return { state: fields[0] ?? '', pgid: Number(fields[2]), sid: Number(fields[3]) };
}

/** Live (non-zombie) processes matching `predicate`, from /proc; undefined where /proc is missing. */
function liveProcesses(predicate: (stat: ProcStat) => boolean): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const found: number[] = [];
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const stat = readProcStat(entry);
    if (stat && stat.state !== 'Z' && stat.state !== 'X' && predicate(stat)) found.push(Number(entry));
  }
  return found;
}

/** True while the group has a member that is not a zombie. */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  const live = liveProcesses((stat) => stat.pgid === pgid);
  return live === undefined || live.length > 0;
}

/**
 * SIGKILLs every live process of session `sid` but `spared` (its leader, the
 * job shell, while it lives: so the session's id cannot be another's).
 * Returns how many it found.
 */
export function killSession(sid: number, spared?: number): number {
  if (!(sid > 1)) return 0;
  const members = (liveProcesses((stat) => stat.sid === sid) ?? []).filter((pid) => pid !== spared);
  for (const pid of members) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return members.length;
}
