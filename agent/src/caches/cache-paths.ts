/**
 * Where a cache's paths live and whether they may be kept: each is inside the
 * workspace, or under the job's home when written `~/…`. A path reaching
 * outside its root (through `..` or a symlinked directory on the way), or a
 * tree holding a symlink that points outside its root (absolute, or relative
 * with too many `..`), is refused with the reason.
 */
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import { dirname, join, normalize, relative, sep } from 'node:path';

export type CacheRoot = 'workspace' | 'home';

export interface CachePath {
  /** As written in `cache: paths`. */
  declared: string;
  root: CacheRoot;
  /** Relative to its root, `/`-separated, no trailing slash. */
  relative: string;
}

export class CachePathError extends Error {
  override readonly name = 'CachePathError';
}

/** Splits declared paths by root; throws CachePathError for one that cannot be relative to its root. */
export function cachePathsOf(paths: readonly string[]): CachePath[] {
  return paths.map((declared) => {
    const home = declared.startsWith('~/');
    const text = (home ? declared.slice(2) : declared).replace(/\/+$/, '');
    const clean = normalize(text);
    if (clean === '.' || clean.startsWith('..') || clean.startsWith('/')) {
      throw new CachePathError(`cache path "${declared}" is not inside the ${home ? 'home directory' : 'workspace'}`);
    }
    return { declared, root: home ? 'home' : 'workspace', relative: clean.split(sep).join('/') };
  });
}

/**
 * Throws CachePathError when the path, as it exists under `rootDir`, leaves
 * the root or holds a symlink leaving it. A path that does not exist is fine
 * (nothing to keep).
 */
export async function checkCachePath(rootDir: string, path: CachePath): Promise<boolean> {
  const target = join(rootDir, path.relative);
  const stats = await lstat(target).catch(() => null);
  if (stats === null) return false;
  const realRoot = await realpath(rootDir);
  const parent = await realpath(dirname(target));
  if (isOutside(realRoot, parent)) {
    throw new CachePathError(`cache path "${path.declared}" leads outside the ${path.root} (through ${parent})`);
  }
  const escaping = await findEscapingSymlink(rootDir, path.relative);
  if (escaping !== null) {
    throw new CachePathError(
      `cache path "${path.declared}" holds a symlink pointing outside the ${path.root}: ${escaping}`,
    );
  }
  return true;
}

/** The first symlink under `rootDir/relativePath` whose target leaves `rootDir`, as `link -> target`; null when none. */
export async function findEscapingSymlink(rootDir: string, relativePath: string): Promise<string | null> {
  const start = join(rootDir, relativePath);
  const pending = [start];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    const stats = await lstat(current);
    if (stats.isSymbolicLink()) {
      const link = await readlink(current);
      const resolved = link.startsWith('/') ? link : join(dirname(current), link);
      if (link.startsWith('/') || isOutside(rootDir, resolved)) return `${relative(rootDir, current)} -> ${link}`;
    } else if (stats.isDirectory()) {
      for (const name of await readdir(current)) pending.push(join(current, name));
    }
  }
  return null;
}

function isOutside(root: string, path: string): boolean {
  const inside = relative(root, path);
  return inside === '..' || inside.startsWith(`..${sep}`) || inside.startsWith('/');
}
