/**
 * Polls of /proc for the executor's tests: a process's children and its
 * state, waited for with a bound rather than a sleep.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The processes whose parent is `pid` (from /proc). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // After the command's name (which may hold spaces and parentheses): state, parent.
    const [, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(parent) === pid) children.push(Number(entry));
  }
  return children;
}

/** The state letter of `pid` (from /proc: R S T Z…), undefined once it is gone. */
function stateOf(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '';
}

/** Polls until the state letter of `pid` (from /proc, R S T Z…) passes `wanted` (for at most 10 s). */
export async function untilState(pid: number, wanted: (state: string) => boolean): Promise<void> {
  for (let polls = 0; ; polls++) {
    const state = stateOf(pid);
    if (state === undefined) throw new Error(`process ${pid} is gone`);
    if (wanted(state)) return;
    if (polls >= 500) throw new Error(`process ${pid} stayed in state ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls until `pid` has exactly one child and returns it (for at most 10 s). */
export async function untilChildOf(pid: number): Promise<number> {
  for (let polls = 0; ; polls++) {
    const children = childrenOf(pid);
    if (children.length === 1) return children[0] as number;
    if (polls >= 500) throw new Error(`process ${pid} has children ${JSON.stringify(children)}, not one`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls until `pid` has ended: gone, or a zombie its parent has not reaped yet (for at most 10 s). */
export async function untilEnded(pid: number): Promise<void> {
  for (let polls = 0; ; polls++) {
    const state = stateOf(pid);
    if (state === undefined || state === 'Z') return;
    if (polls >= 500) throw new Error(`process ${pid} is still running (state ${state})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
