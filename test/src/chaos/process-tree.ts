/**
 * Signals to a process and every descendant, to model a host: SIGSTOP freezes
 * the agent and its jobs (a paused VM), SIGKILL kills them all (a crashed
 * machine). Job steps run in process groups and sessions of their own, so a
 * signal to the agent's group would miss them; the tree is read from /proc
 * (Linux only). Freezing first means nothing forks between the scan and the kill.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Parent pid of every live process, from /proc/<pid>/stat. */
function parentPids(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …"; comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // The process exited during the scan.
    }
  }
  return parents;
}

/** `root` and all its descendants alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, parent] of parentPids()) {
    const list = children.get(parent) ?? [];
    list.push(pid);
    children.set(parent, list);
  }
  const tree: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/**
 * SIGSTOP to `root` and its descendants, rescanning until no new process
 * appears (a child forked just before its parent stopped). Returns the frozen pids.
 */
export function freezeTree(root: number): number[] {
  const frozen = new Set<number>();
  for (let round = 0; round < 20; round++) {
    const fresh = processTree(root).filter((pid) => !frozen.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      signal(pid, 'SIGSTOP');
      frozen.add(pid);
    }
  }
  return [...frozen];
}

/** SIGCONT to `root` first (so it can react at once), then to its descendants. */
export function thawTree(root: number): void {
  signal(root, 'SIGCONT');
  for (const pid of processTree(root)) if (pid !== root) signal(pid, 'SIGCONT');
}

/** A host crash: freeze the whole tree, then SIGKILL every process of it. Returns the pids killed. */
export function killTree(root: number): number[] {
  const pids = freezeTree(root);
  for (const pid of pids) signal(pid, 'SIGKILL');
  return pids;
}
