import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startChild } from './child-process.js';

/** Resolves with the first line the stream prints. */
function firstLine(stream: Readable | null): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream?.on('data', (data: Buffer) => {
      text += data.toString('utf8');
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end));
    });
    stream?.once('end', () => reject(new Error(`stream ended after "${text}"`)));
  });
}

/** Running, as opposed to gone or a zombie nobody has reaped yet (as in a container without an init). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('startChild', () => {
  it('records how the child exited', async () => {
    const child = startChild('bash', ['-c', 'exit 3']);
    await child.exited;
    expect(child.exitReason()).toBe('code 3');
  });

  it('reports a spawn failure as an exit reason instead of throwing', async () => {
    const child = startChild('/nonexistent/program', []);
    await child.exited;
    expect(child.exitReason()).toMatch(/^spawn error: .*ENOENT/);
  });

  it('escalates to SIGKILL when the child ignores SIGTERM past the grace period', async () => {
    const child = startChild('bash', ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.05; done'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(await firstLine(child.process.stdout)).toBe('ready');
    await child.stop({ graceMs: 100 });
    expect(child.exitReason()).toBe('signal SIGKILL');
  });

  it('kill9 of a process group also kills what the child started', async () => {
    const child = startChild('bash', ['-c', 'sleep 600 & echo $!; wait'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      processGroup: true,
    });
    const grandchild = Number(await firstLine(child.process.stdout));
    expect(alive(grandchild)).toBe(true);
    await child.kill9();
    expect(child.exitReason()).toBe('signal SIGKILL');
    // Not expect.poll's default 1 s: on a loaded machine the killed process may wait that long to be scheduled and exit.
    await expect.poll(() => alive(grandchild), { timeout: 10_000 }).toBe(false);
  });

  it('stop and kill9 are idempotent once the child is gone', async () => {
    const child = startChild('bash', ['-c', 'exit 0']);
    await child.exited;
    await child.stop();
    await child.kill9();
    expect(child.exitReason()).toBe('code 0');
  });
});
