import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyTree, removeTree } from './copy-tree.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-copy-tree-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A tree with nested directories, an executable, symbolic links (one dangling) and an empty directory. */
function makeTree(dir: string): void {
  mkdirSync(join(dir, 'a', 'b', 'c'), { recursive: true });
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'top.txt'), 'top');
  writeFileSync(join(dir, 'a', 'b', 'c', 'deep.txt'), 'deep');
  writeFileSync(join(dir, 'a', 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(dir, 'a', 'run.sh'), 0o755);
  symlinkSync('a/b/c/deep.txt', join(dir, 'link'));
  symlinkSync('/no/such/target', join(dir, 'dangling'));
  for (let i = 0; i < 50; i++) writeFileSync(join(dir, 'a', `file-${i}`), String(i));
}

describe.each([
  { mode: 'foreground', options: { sliceMs: 0 } },
  { mode: 'background', options: { background: true } },
])('copyTree / removeTree ($mode)', ({ mode, options }) => {
  it('copies files, modes, directories and symbolic links as they are', async () => {
    const from = join(root, `${mode}-from`);
    const to = join(root, `${mode}-parent`, 'to');
    makeTree(from);
    await copyTree(from, to, options);
    expect(readFileSync(join(to, 'top.txt'), 'utf8')).toBe('top');
    expect(readFileSync(join(to, 'a', 'b', 'c', 'deep.txt'), 'utf8')).toBe('deep');
    expect(statSync(join(to, 'a', 'run.sh')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(to, 'link'))).toBe('a/b/c/deep.txt');
    expect(readFileSync(join(to, 'link'), 'utf8')).toBe('deep');
    expect(readlinkSync(join(to, 'dangling'))).toBe('/no/such/target');
    expect(lstatSync(join(to, 'empty')).isDirectory()).toBe(true);
    expect(readFileSync(join(to, 'a', 'file-49'), 'utf8')).toBe('49');
    // A copy, not a link: changing it leaves the original alone.
    writeFileSync(join(to, 'top.txt'), 'changed');
    expect(readFileSync(join(from, 'top.txt'), 'utf8')).toBe('top');
    expect(statSync(join(to, 'a', 'b', 'c', 'deep.txt')).ino).not.toBe(
      statSync(join(from, 'a', 'b', 'c', 'deep.txt')).ino,
    );
  });

  it('removes a tree without following its symbolic links, and a missing path is fine', async () => {
    const tree = join(root, `${mode}-remove`);
    const outside = join(root, `${mode}-outside`);
    makeTree(tree);
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep.txt'), 'keep');
    symlinkSync(outside, join(tree, 'a', 'to-outside'));
    await removeTree(tree, options);
    expect(existsSync(tree)).toBe(false);
    expect(readFileSync(join(outside, 'keep.txt'), 'utf8')).toBe('keep');
    await removeTree(tree, options);
    await removeTree(join(root, 'never-existed'), options);
  });
});
