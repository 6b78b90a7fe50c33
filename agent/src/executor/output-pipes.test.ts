import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStep } from './job-shell.js';
import { onOutputPipesUnavailable, openOutputPipes, removeAbandonedDirectories } from './output-pipes.js';

const parent = mkdtempSync(join(tmpdir(), 'gantry-output-pipes-test-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('removeAbandonedDirectories', () => {
  it('removes the FIFO directories of processes that are gone, and only those', () => {
    const gone = spawnSync('true').pid;
    const living = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const made = (name: string) => {
        mkdirSync(join(parent, name));
        writeFileSync(join(parent, name, '0'), '');
        return join(parent, name);
      };
      const abandoned = made(`gantry-output-${gone}-a1`);
      const own = made(`gantry-output-${process.pid}-b2`);
      const another = made(`gantry-output-${living.pid}-c3`);
      const unrelated = made('gantry-output-cache');
      removeAbandonedDirectories(parent);
      expect([abandoned, own, another, unrelated].map(existsSync)).toEqual([false, true, true, true]);
    } finally {
      living.kill('SIGKILL');
    }
  });
});

describe('openOutputPipes', () => {
  it('gives FIFOs up for good when it cannot make them, says why once, and steps still run on socketpairs', async () => {
    const reasons: string[] = [];
    onOutputPipesUnavailable((reason) => reasons.push(reason));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = join(parent, 'missing');
    try {
      expect(openOutputPipes(1)).toBeUndefined();
    } finally {
      process.env.TMPDIR = saved;
    }
    expect(openOutputPipes(1)).toBeUndefined();
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toContain('ENOENT');
    let output = '';
    const outcome = await runStep({
      command: 'echo one; echo two >&2',
      cwd: parent,
      env: { PATH: process.env.PATH ?? '' },
      sink: {
        write: (data) => {
          output += data.toString();
          return true;
        },
        drain: () => Promise.resolve(),
      },
    });
    expect(outcome.exitCode).toBe(0);
    expect(output).toBe('one\ntwo\n');
  });
});
