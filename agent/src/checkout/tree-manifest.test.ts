/**
 * Tree manifests: a settled manifest (nothing racy) still catches every
 * change, though it reads no directory listing but the root's.
 */
import {
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isSettled,
  recordSettledTreeManifest,
  recordTreeManifest,
  rerecordTreeManifest,
  verifyTreeManifest,
} from './tree-manifest.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-manifest-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const wholeSecond = 1_000_000_000;
let trees = 0;
function newTree(): string {
  const tree = join(root, `tree-${trees++}`);
  mkdirSync(join(tree, 'src', 'deep'), { recursive: true });
  writeFileSync(join(tree, 'README'), 'read me\n');
  writeFileSync(join(tree, 'src', 'main.c'), 'int main() { return 0; }\n');
  writeFileSync(join(tree, 'src', 'deep', 'util.c'), 'int util;\n');
  // Whole seconds, which utimes can set back exactly.
  utimesSync(join(tree, 'src', 'deep', 'util.c'), wholeSecond, wholeSecond);
  return tree;
}

describe('tree manifests', () => {
  const changes: Array<[string, (tree: string) => void, string]> = [
    ['adds a file deep down', (tree) => writeFileSync(join(tree, 'src', 'deep', 'new.c'), ''), 'changed: src/deep'],
    ['adds a file at the top', (tree) => writeFileSync(join(tree, 'planted'), ''), 'added: planted'],
    ['removes a file', (tree) => unlinkSync(join(tree, 'src', 'main.c')), 'changed: src'],
    [
      'rewrites a file',
      (tree) => writeFileSync(join(tree, 'src', 'deep', 'util.c'), 'int utiL;\n'),
      'changed: src/deep/util.c',
    ],
    [
      'rewrites a file as long as it was and sets its times back (only its ctime tells)',
      (tree) => {
        const file = join(tree, 'src', 'deep', 'util.c');
        writeFileSync(file, 'int utiL;\n');
        utimesSync(file, wholeSecond, wholeSecond);
      },
      'changed: src/deep/util.c',
    ],
    [
      'swaps a directory for a link',
      (tree) => {
        renameSync(join(tree, 'src', 'deep'), join(tree, 'elsewhere'));
        symlinkSync(join(tree, 'elsewhere'), join(tree, 'src', 'deep'));
      },
      'changed: src',
    ],
  ];

  it.each(changes)('a settled manifest notices a change that %s', async (_what, change, problem) => {
    const tree = newTree();
    const manifest = await recordSettledTreeManifest(tree, { waitMs: 5, tries: 100 });
    expect(manifest && isSettled(manifest)).toBe(true);
    if (!manifest) return;
    expect(verifyTreeManifest(tree, manifest)).toBeUndefined();
    change(tree);
    expect(verifyTreeManifest(tree, manifest)).toBe(problem);
  });

  it('records a tree again only if it is still the tree recorded', () => {
    const tree = newTree();
    const manifest = recordTreeManifest(tree);
    expect(rerecordTreeManifest(tree, manifest)).toBeDefined();
    writeFileSync(join(tree, 'src', 'main.c'), 'int main() { return 1; }\n');
    expect(rerecordTreeManifest(tree, manifest)).toBeUndefined();
  });
});
