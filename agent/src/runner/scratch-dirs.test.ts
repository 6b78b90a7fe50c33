/**
 * TMPDIRs handed to attempts: always empty and private, kept between
 * attempts only when that loses nothing.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScratchDirs } from './scratch-dirs.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-scratch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const modeOf = (path: string) => statSync(path).mode & 0o7777;

describe('ScratchDirs', () => {
  it('empties a released TMPDIR and hands the same directory to the next attempt', async () => {
    const scratch = new ScratchDirs({ root: join(root, 'reuse'), reuse: true });
    const first = scratch.claim('a');
    await scratch.prepare(first);
    expect(modeOf(first)).toBe(0o700);
    writeFileSync(join(first, 'left-behind'), 'x');
    await scratch.release(first);
    const second = scratch.claim('b');
    expect(second).toBe(first);
    await scratch.prepare(second);
    expect(readdirSync(second)).toEqual([]);
  });

  it('makes a fresh empty 0700 directory where a kept one was opened up or written into after its attempt', async () => {
    const scratch = new ScratchDirs({ root: join(root, 'tampered'), reuse: true });
    for (const tamper of [
      (dir: string) => chmodSync(dir, 0o777),
      (dir: string) => writeFileSync(join(dir, 'planted'), 'from a process the last attempt left running'),
    ]) {
      const dir = scratch.claim('c');
      await scratch.prepare(dir);
      await scratch.release(dir);
      tamper(dir);
      const next = scratch.claim('d');
      expect(next).toBe(dir);
      await scratch.prepare(next);
      expect(modeOf(next)).toBe(0o700);
      expect(readdirSync(next)).toEqual([]);
      await scratch.release(next);
      scratch.claim('drain');
    }
  });

  it('without reuse (steps run as another user), removes each TMPDIR and names every attempt its own', async () => {
    const scratch = new ScratchDirs({ root: join(root, 'fresh'), reuse: false });
    const first = scratch.claim('e');
    await scratch.prepare(first);
    await scratch.release(first);
    expect(existsSync(first)).toBe(false);
    expect(scratch.claim('f')).toBe(join(root, 'fresh', 'f'));
  });
});
