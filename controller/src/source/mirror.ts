/**
 * Bare mirrors of URL repositories, one per URL in `<cacheDir>/<hash>.git`.
 * `refresh(url)` brings a mirror up to date with its origin: a `git clone
 * --bare` the first time (into a temporary directory, renamed into place, so a
 * half-made mirror is never used), afterwards `git fetch --prune` of branches
 * and tags, which transfers only what is new. Concurrent refreshes of one URL
 * share fetches through the generational coalescer, so a refresh always sees
 * every push made before it was asked for.
 */
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createFetchCoalescer, type Fetch } from './fetch-coalescer.js';
import { runGitChecked } from './git-command.js';

export interface Mirrors {
  /** The mirror's directory (it may not exist yet). */
  directoryOf(url: string): string;
  /** Whether the mirror has been made. */
  exists(url: string): Promise<boolean>;
  /** Clones or fetches; resolves with the directory once it holds the origin's state at call time or later. */
  refresh(url: string): Promise<string>;
}

export interface MirrorOptions {
  cacheDir: string;
  timeoutMs: number;
  /** Observes every clone or fetch as it starts (tests count them). */
  onFetch?: (url: string) => void;
}

export function createMirrors(options: MirrorOptions): Mirrors {
  const directoryOf = (url: string) =>
    join(options.cacheDir, `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.git`);

  const cloneOrFetch: Fetch = async (url) => {
    options.onFetch?.(url);
    const dir = directoryOf(url);
    if (await pathExists(dir)) {
      await runGitChecked(
        [
          '--git-dir',
          dir,
          'fetch',
          '--quiet',
          '--prune',
          'origin',
          '+refs/heads/*:refs/heads/*',
          '+refs/tags/*:refs/tags/*',
        ],
        { timeoutMs: options.timeoutMs },
      );
      return;
    }
    await mkdir(options.cacheDir, { recursive: true });
    const temporary = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await runGitChecked(['clone', '--bare', '--quiet', '--', url, temporary], { timeoutMs: options.timeoutMs });
      await rename(temporary, dir).catch(async (error: NodeJS.ErrnoException) => {
        // Another process sharing the cache made it first: theirs is as good.
        if (!(await pathExists(dir))) throw error;
      });
    } finally {
      await rm(temporary, { recursive: true, force: true });
    }
  };
  const coalesced = createFetchCoalescer(cloneOrFetch);

  return {
    directoryOf,
    exists: (url) => pathExists(directoryOf(url)),
    async refresh(url) {
      await coalesced(url);
      return directoryOf(url);
    },
  };
}

async function pathExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
