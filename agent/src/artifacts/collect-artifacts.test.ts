import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectArtifacts } from './collect-artifacts.js';

describe('collectArtifacts', () => {
  let dir: string;
  let workspace: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-collect-'));
    workspace = join(dir, 'workspace');
    mkdirSync(join(workspace, 'dist', 'lib'), { recursive: true });
    mkdirSync(join(workspace, '.git'));
    writeFileSync(join(workspace, 'dist', 'app.bin'), 'app');
    writeFileSync(join(workspace, 'dist', 'lib', 'util.js'), 'util');
    writeFileSync(join(workspace, '.git', 'HEAD'), 'ref');
    writeFileSync(join(dir, 'secret'), 'outside');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the files the globs name, once each, in path order', async () => {
    const { files, refused } = await collectArtifacts(workspace, ['dist/**', 'dist/*.bin']);
    expect(files.map((file) => [file.path, file.size])).toEqual([
      ['dist/app.bin', 3],
      ['dist/lib/util.js', 4],
    ]);
    expect(refused).toEqual([]);
  });

  it('refuses a symlink leaving the workspace by name, and keeps one inside it', async () => {
    symlinkSync(join(dir, 'secret'), join(workspace, 'dist', 'leak'));
    symlinkSync(join(workspace, 'dist', 'app.bin'), join(workspace, 'dist', 'alias.bin'));
    const { files, refused } = await collectArtifacts(workspace, ['dist/**']);
    expect(files.map((file) => file.path)).toEqual(['dist/alias.bin', 'dist/app.bin', 'dist/lib/util.js']);
    expect(refused).toEqual([
      { path: 'dist/leak', reason: `symlink to ${join(dir, 'secret')}, outside the workspace` },
    ]);
  });

  it('refuses a symlinked directory leaving the workspace', async () => {
    symlinkSync(dir, join(workspace, 'out'));
    const { files, refused } = await collectArtifacts(workspace, ['out/**']);
    expect(files).toEqual([]);
    expect(refused).toEqual([{ path: 'out', reason: `symlink to ${dir}, outside the workspace` }]);
  });

  it.each(['out/secret', 'out/sub/*'])(
    'refuses a symlinked directory leaving the workspace on the literal path of %s',
    async (glob) => {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'sub', 'id_ed25519'), 'outside');
      symlinkSync(dir, join(workspace, 'out'));
      const { files, refused } = await collectArtifacts(workspace, [glob]);
      expect(files).toEqual([]);
      expect(refused).toEqual([{ path: 'out', reason: `symlink to ${dir}, outside the workspace` }]);
    },
  );

  it('does not follow a symlinked directory inside the workspace on the literal path of a glob', async () => {
    symlinkSync(join(workspace, 'dist'), join(workspace, 'alias'));
    const { files, refused } = await collectArtifacts(workspace, ['alias/app.bin', 'alias/lib/*.js']);
    expect(files).toEqual([]);
    expect(refused).toEqual([{ path: 'alias', reason: 'symlink to a directory is not followed' }]);
  });

  it('refuses absolute globs and globs with "..", and never collects .git', async () => {
    const { files, refused } = await collectArtifacts(workspace, ['/etc/passwd', '../secret', '**']);
    expect(files.map((file) => file.path)).toEqual(['dist/app.bin', 'dist/lib/util.js']);
    expect(refused.map((refusal) => refusal.path)).toEqual(['/etc/passwd', '../secret']);
  });
});
