/**
 * The agent's bare clone of each repository, `<workDir>/repos/<repoKey>.git`
 * (repoKey = sha256(url)[:16]): cloned once, fetched only when a wanted commit
 * is missing, and never trusted blindly — jobs can reach it, so every object
 * of a commit is re-hashed before a snapshot is built from it, and a cache
 * that fails is cloned again. Callers serialise access per repository.
 */
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckoutError } from './checkout-error.js';
import { removeTree } from './copy-tree.js';
import { GitCommandError, runGit } from './run-git.js';
import { findCorruptObject } from './verify-commit-objects.js';

export interface RepositoryCacheOptions {
  /** Holds `repos/`. */
  workDir: string;
  /** Environment git runs with (PATH, HOME, SSH agent…). */
  env: Record<string, string>;
  /** Bound of each git command; default that of runGit. */
  gitTimeoutMs?: number;
  /** Observes every git command. */
  onGitCommand?: (args: string[]) => void;
  /** A cache failed its check (it is cloned again). */
  onTampered?: (path: string, problem: string) => void;
}

export class RepositoryCache {
  readonly #options: RepositoryCacheOptions;

  constructor(options: RepositoryCacheOptions) {
    this.#options = options;
  }

  /** The bare cache directory of a repository URL. */
  pathOf(repoUrl: string): string {
    return join(this.#options.workDir, 'repos', `${repoKey(repoUrl)}.git`);
  }

  /**
   * The cache with `sha` and every object of its tree intact, cloned afresh
   * when a job wrote into it. Returns the cache path. Caller holds the repo lock.
   */
  async ensureIntactCommit(repoUrl: string, sha: string, signal?: AbortSignal): Promise<string> {
    for (let round = 1; ; round++) {
      const cache = await this.#ensureCommit(repoUrl, sha, signal);
      const problem = await findCorruptObject(cache, sha, this.#options.env);
      if (problem === undefined) return cache;
      this.#options.onTampered?.(cache, problem);
      if (round >= 2) throw new CheckoutError(`checkout failed: ${problem} in ${repoUrl}`);
      const trash = `${cache}.trash-${randomBytes(4).toString('hex')}`;
      await rename(cache, trash);
      await removeTree(trash);
    }
  }

  /** Clone-once, fetch-when-missing. Returns the cache path. Caller holds the repo lock. */
  async #ensureCommit(repoUrl: string, sha: string, signal?: AbortSignal): Promise<string> {
    const cache = this.pathOf(repoUrl);
    if (!(await exists(cache))) {
      await mkdir(join(this.#options.workDir, 'repos'), { recursive: true });
      // Clone beside the cache and rename, so an interrupted clone never looks like a cache.
      const partial = `${cache}.partial-${randomBytes(4).toString('hex')}`;
      try {
        await this.git(['clone', '--bare', '-q', '--', repoUrl, partial], signal);
        await rename(partial, cache);
      } finally {
        await rm(partial, { recursive: true, force: true });
      }
    }
    if (await this.#hasCommit(cache, sha)) return cache;
    await this.git(
      ['-C', cache, 'fetch', '-q', '--prune', 'origin', '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'],
      signal,
    );
    if (await this.#hasCommit(cache, sha)) return cache;
    // A commit no branch or tag points at (servers may refuse; then the error says so).
    await this.git(['-C', cache, 'fetch', '-q', 'origin', sha], signal);
    if (await this.#hasCommit(cache, sha)) return cache;
    throw new CheckoutError(`checkout failed: commit ${sha} not found in ${repoUrl}`);
  }

  async #hasCommit(cache: string, sha: string): Promise<boolean> {
    try {
      await this.git(['-C', cache, 'cat-file', '-e', `${sha}^{commit}`]);
      return true;
    } catch (error) {
      if (error instanceof GitCommandError) return false;
      throw error;
    }
  }

  /** One git command with the agent's environment, the configured timeout and the job's signal. */
  git(args: string[], signal?: AbortSignal) {
    this.#options.onGitCommand?.(args);
    const timeoutMs = this.#options.gitTimeoutMs;
    return runGit(args, {
      env: this.#options.env,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(signal ? { signal } : {}),
    });
  }
}

export function repoKey(repoUrl: string): string {
  return createHash('sha256').update(repoUrl).digest('hex').slice(0, 16);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
