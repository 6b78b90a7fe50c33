/**
 * Where a cache's paths live and whether they may be kept: each is inside the
 * workspace, or under the job's home when written `~/…`. A path reaching
 * outside its root (through `..` or a symlinked directory on the way), or a
 * tree holding a symlink that points outside its root (absolute, or relative
 * and resolving outside the way the kernel follows it), is refused with the
 * reason. Both saving and restoring check: the workspace comes from the
 * checkout and the home persists between jobs, so either may hold symlinks.
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
  const stats = await lstat(join(rootDir, path.relative)).catch(() => null);
  if (stats === null) return false;
  await placeOf(rootDir, path);
  const escaping = await findEscapingSymlink(rootDir, path.relative);
  if (escaping !== null) {
    throw new CachePathError(
      `cache path "${path.declared}" holds a symlink pointing outside the ${path.root}: ${escaping}`,
    );
  }
  return true;
}

/**
 * Where `path` really is under `rootDir`: the real path of its deepest
 * existing parent directory (symlinks resolved) joined with the segments that
 * do not exist yet and its own name. The name itself is not followed, so a
 * symlink there is what a restore replaces. Throws CachePathError when that
 * parent is outside the real root (a symlinked directory from the checkout, or
 * one an earlier job left in the home) or cannot be followed; a restore then
 * removes and writes nothing.
 */
export async function placeOf(rootDir: string, path: CachePath): Promise<string> {
  const realRoot = await realpath(rootDir);
  const missing = path.relative.split('/');
  const name = missing.pop() as string;
  let existing = realRoot;
  while (missing.length > 0 && (await lstat(join(existing, missing[0]!)).catch(() => null)) !== null) {
    existing = join(existing, missing.shift()!);
  }
  const parent = await realpath(existing).catch((error: Error) => {
    throw new CachePathError(`cache path "${path.declared}" cannot be followed in the ${path.root}: ${error.message}`);
  });
  if (isOutside(realRoot, parent)) {
    throw new CachePathError(`cache path "${path.declared}" leads outside the ${path.root} (through ${parent})`);
  }
  return join(parent, ...missing, name);
}

/**
 * The first symlink under `rootDir/relativePath` that is absolute or resolves
 * outside `rootDir` (see followLink), as `link -> target`; null when none.
 */
export async function findEscapingSymlink(rootDir: string, relativePath: string): Promise<string | null> {
  const realRoot = await realpath(rootDir);
  const start = join(rootDir, relativePath);
  const pending = [start];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    const stats = await lstat(current);
    if (stats.isSymbolicLink()) {
      const link = await readlink(current);
      if (link.startsWith('/') || isOutside(realRoot, await followLink(current))) {
        return `${relative(rootDir, current)} -> ${link}`;
      }
    } else if (stats.isDirectory()) {
      for (const name of await readdir(current)) pending.push(join(current, name));
    }
  }
  return null;
}

/** As the kernel's limit on symlinks followed while resolving one path (Linux MAXSYMLINKS). */
const MAX_LINKS_FOLLOWED = 40;

/**
 * Where the symlink `link` leads, followed segment by segment as the kernel
 * does on the tree as it is: a `..` after a symlink climbs from where that
 * symlink leads, not from where it sits (with `c/b -> ..`, `c/a -> b/..` is
 * the root's parent). Segments that do not exist are taken as written.
 * Throws CachePathError past MAX_LINKS_FOLLOWED links (a loop).
 */
async function followLink(link: string, budget = { links: MAX_LINKS_FOLLOWED }): Promise<string> {
  budget.links -= 1;
  if (budget.links < 0) throw new CachePathError(`too many levels of symlinks at ${link}`);
  const target = await readlink(link);
  let place = target.startsWith('/') ? '/' : await realpath(dirname(link));
  for (const segment of target.split('/')) {
    if (segment === '..') {
      place = dirname(place);
    } else if (segment !== '' && segment !== '.') {
      const next = join(place, segment);
      const stats = await lstat(next).catch(() => null);
      place = stats?.isSymbolicLink() ? await followLink(next, budget) : next;
    }
  }
  return place;
}

function isOutside(root: string, path: string): boolean {
  const inside = relative(root, path);
  return inside === '..' || inside.startsWith(`..${sep}`) || inside.startsWith('/');
}
