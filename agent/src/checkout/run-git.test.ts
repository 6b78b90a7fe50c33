import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGit } from './run-git.js';

const dir = mkdtempSync(join(tmpdir(), 'gantry-run-git-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A clone from a remote that never answers: git waits on its transport, as on a stalled network. */
const hangingClone = (target: string) => [
  '-c',
  'protocol.ext.allow=always',
  'clone',
  '-q',
  'ext::sh -c sleep% 600',
  join(dir, target),
];

describe('runGit', () => {
  it('kills a git command that outlives its timeout, transport included, and says so', async () => {
    await expect(runGit(hangingClone('timeout'), { timeoutMs: 300 })).rejects.toThrow(
      'git clone did not finish within 300 ms',
    );
  });

  it('kills a git command when the job is stopped', async () => {
    const stop = new AbortController();
    const cloning = runGit(hangingClone('aborted'), { signal: stop.signal });
    stop.abort('canceled');
    await expect(cloning).rejects.toThrow('git clone was stopped: the job was canceled or timed out');
  });

  it('does not start git for a job already stopped', async () => {
    const stop = new AbortController();
    stop.abort('canceled');
    await expect(runGit(['--version'], { signal: stop.signal })).rejects.toThrow('not started: the job was stopped');
  });

  it('runs a command that finishes in time', async () => {
    const { stdout } = await runGit(['--version'], { timeoutMs: 60_000 });
    expect(stdout).toMatch(/^git version/);
  });
});
