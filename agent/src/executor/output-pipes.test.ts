import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStep } from './job-shell.js';
import {
  onOutputPipesUnavailable,
  openOutputPipes,
  removeAbandonedDirectories,
  useOutputPipeDirectory,
} from './output-pipes.js';

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

describe('useOutputPipeDirectory', () => {
  it('makes the FIFOs in the given directory, after removing what an earlier agent left there', () => {
    const directory = join(parent, 'pipes');
    mkdirSync(directory);
    writeFileSync(join(directory, 'left-by-a-killed-agent'), '');
    useOutputPipeDirectory(directory);
    const pipes = openOutputPipes(2);
    try {
      expect(pipes).toHaveLength(2);
      expect(statSync(directory).mode & 0o777).toBe(0o700);
      const names = readdirSync(directory);
      expect(names).not.toContain('left-by-a-killed-agent');
      // Made ahead in a batch; the two taken were unlinked once open.
      expect(names.length).toBeGreaterThan(0);
      expect(names.every((name) => statSync(join(directory, name)).isFIFO())).toBe(true);
    } finally {
      for (const pipe of pipes ?? []) {
        closeSync(pipe.writeFd);
        pipe.reader.destroy();
      }
    }
  });
});

describe('openOutputPipes', () => {
  it('gives FIFOs up for good when it cannot make them, says why once, and steps still run on socketpairs', async () => {
    const reasons: string[] = [];
    onOutputPipesUnavailable((reason) => reasons.push(reason));
    useOutputPipeDirectory(join(parent, 'no-mkfifo'));
    const path = process.env.PATH;
    process.env.PATH = join(parent, 'no-programs-here');
    try {
      expect(openOutputPipes(1)).toBeUndefined();
    } finally {
      process.env.PATH = path;
    }
    // Not tried again, even where FIFOs could be made.
    useOutputPipeDirectory(join(parent, 'pipes'));
    expect(openOutputPipes(1)).toBeUndefined();
    expect(reasons).toEqual([expect.stringMatching(/^mkfifo failed: .*ENOENT/)]);
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
