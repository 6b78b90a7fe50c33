import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeAbandonedDirectories } from './output-pipes.js';

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
