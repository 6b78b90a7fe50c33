import { mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveFormat, CacheArchiveError, createCacheArchive, extractCacheArchive } from './cache-archive.js';
import { CachePathError, cachePathsOf, checkCachePath } from './cache-paths.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gantry-cache-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('cache archives', () => {
  it('keeps workspace and home paths apart, symlinks as symlinks', async () => {
    const workspace = join(root, 'ws');
    const home = join(root, 'home');
    await mkdir(join(workspace, 'node_modules', '.bin'), { recursive: true });
    await writeFile(join(workspace, 'node_modules', 'index.js'), 'module.exports = 1;\n');
    await symlink('../index.js', join(workspace, 'node_modules', '.bin', 'tool'));
    await mkdir(join(home, '.npm'), { recursive: true });
    await writeFile(join(home, '.npm', 'entry'), 'cached\n');
    const file = join(root, 'archive');
    const format = await archiveFormat();
    await createCacheArchive(file, format, [
      { root: 'workspace', rootDir: workspace, paths: ['node_modules'] },
      { root: 'home', rootDir: home, paths: ['.npm'] },
    ]);
    const out = join(root, 'out');
    await mkdir(out);
    await extractCacheArchive(file, format, out);
    expect(await readFile(join(out, 'workspace', 'node_modules', 'index.js'), 'utf8')).toBe('module.exports = 1;\n');
    expect(await readlink(join(out, 'workspace', 'node_modules', '.bin', 'tool'))).toBe('../index.js');
    expect(await readFile(join(out, 'home', '.npm', 'entry'), 'utf8')).toBe('cached\n');
  });

  it('refuses an archive that is not one', async () => {
    const file = join(root, 'garbage');
    await writeFile(file, 'not an archive at all');
    await expect(extractCacheArchive(file, await archiveFormat(), root)).rejects.toBeInstanceOf(CacheArchiveError);
  });
});

describe('cache paths', () => {
  it('splits workspace and home paths', () => {
    expect(cachePathsOf(['node_modules/', '~/.npm'])).toEqual([
      { declared: 'node_modules/', root: 'workspace', relative: 'node_modules' },
      { declared: '~/.npm', root: 'home', relative: '.npm' },
    ]);
    expect(() => cachePathsOf(['a/../../etc'])).toThrow(CachePathError);
  });

  it.each([
    ['an absolute symlink', '/etc/passwd', 'deps/leak -> /etc/passwd'],
    ['a relative symlink climbing out', '../../outside', 'deps/leak -> ../../outside'],
  ])('refuses a tree holding %s', async (_what, target, shown) => {
    const workspace = await mkdtemp(join(root, 'ws-'));
    await mkdir(join(workspace, 'deps'));
    await symlink(target, join(workspace, 'deps', 'leak'));
    const [path] = cachePathsOf(['deps']);
    await expect(checkCachePath(workspace, path!)).rejects.toThrow(
      `cache path "deps" holds a symlink pointing outside the workspace: ${shown}`,
    );
  });

  it('refuses a tree whose symlink leaves it through another symlink', async () => {
    const workspace = await mkdtemp(join(root, 'ws-'));
    await mkdir(join(workspace, 'c'));
    await symlink('..', join(workspace, 'c', 'b'));
    await symlink('b/..', join(workspace, 'c', 'a'));
    const [path] = cachePathsOf(['c']);
    await expect(checkCachePath(workspace, path!)).rejects.toThrow(
      'cache path "c" holds a symlink pointing outside the workspace: c/a -> b/..',
    );
  });

  it('refuses a path reached through a symlinked directory outside', async () => {
    const workspace = await mkdtemp(join(root, 'ws-'));
    await symlink(root, join(workspace, 'up'));
    const [path] = cachePathsOf(['up/ws']);
    await expect(checkCachePath(workspace, path!)).rejects.toThrow('leads outside the workspace');
  });
});
