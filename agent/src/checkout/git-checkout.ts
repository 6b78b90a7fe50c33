/**
 * Puts a commit into a fresh workspace. Each repository is cloned once into a
 * bare cache `<workDir>/repos/<sha256(url)[:16]>.git` and fetched only when the
 * wanted commit is missing; workspaces are `git clone --shared` of the cache,
 * so a checkout copies no objects. Cache access is serialized per repository
 * within this process.
 */
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyedLock } from './keyed-lock.js';
import { GitCommandError, runGit } from './run-git.js';

export class CheckoutError extends Error {
  override name = 'CheckoutError';
  readonly code = 'CHECKOUT_FAILED';
}

export interface CheckoutRequest {
  /** A git URL or a local path readable by the agent. */
  repoUrl: string;
  /** Full commit sha to check out (detached). */
  sha: string;
  /** Directory to create; removed first if it exists. */
  workspace: string;
}

export interface GitCheckoutOptions {
  /** Holds the `repos/` cache. */
  workDir: string;
  /** Environment git runs with (PATH, HOME, SSH agent…). */
  env: Record<string, string>;
  /** Observes every git command (tests count clones; main logs at debug). */
  onGitCommand?: (args: string[]) => void;
}

export class GitCheckout {
  readonly #options: GitCheckoutOptions;
  readonly #locks = new KeyedLock();

  constructor(options: GitCheckoutOptions) {
    this.#options = options;
  }

  /** The bare cache directory for a repository URL. */
  cachePath(repoUrl: string): string {
    const key = createHash('sha256').update(repoUrl).digest('hex').slice(0, 16);
    return join(this.#options.workDir, 'repos', `${key}.git`);
  }

  /**
   * Makes `workspace` a working tree of `sha`. Safe to call concurrently for the
   * same repository. Throws CheckoutError with git's last stderr line.
   */
  async checkout(request: CheckoutRequest): Promise<void> {
    const { repoUrl, sha, workspace } = request;
    if (!/^[0-9a-f]{7,64}$/i.test(sha)) throw new CheckoutError(`checkout failed: "${sha}" is not a commit sha`);
    try {
      const cache = await this.#locks.run(repoUrl, () => this.#ensureCommit(repoUrl, sha));
      await rm(workspace, { recursive: true, force: true });
      await this.#git(['clone', '--shared', '--no-checkout', '-q', cache, workspace]);
      await this.#git(['-C', workspace, 'checkout', '--detach', '-q', sha]);
    } catch (error) {
      if (error instanceof CheckoutError) throw error;
      const reason = error instanceof GitCommandError ? error.message : String(error);
      throw new CheckoutError(`checkout failed: ${reason}`, { cause: error });
    }
  }

  /** Clone-once, fetch-when-missing. Returns the cache path. Caller holds the repo lock. */
  async #ensureCommit(repoUrl: string, sha: string): Promise<string> {
    const cache = this.cachePath(repoUrl);
    if (!(await exists(cache))) {
      await mkdir(join(this.#options.workDir, 'repos'), { recursive: true });
      // Clone beside the cache and rename, so an interrupted clone never looks like a cache.
      const partial = `${cache}.partial-${randomBytes(4).toString('hex')}`;
      try {
        await this.#git(['clone', '--bare', '-q', '--', repoUrl, partial]);
        await rename(partial, cache);
      } finally {
        await rm(partial, { recursive: true, force: true });
      }
    }
    if (await this.#hasCommit(cache, sha)) return cache;
    await this.#git([
      '-C',
      cache,
      'fetch',
      '-q',
      '--prune',
      'origin',
      '+refs/heads/*:refs/heads/*',
      '+refs/tags/*:refs/tags/*',
    ]);
    if (await this.#hasCommit(cache, sha)) return cache;
    // A commit no branch or tag points at (servers may refuse; then the error says so).
    await this.#git(['-C', cache, 'fetch', '-q', 'origin', sha]);
    if (await this.#hasCommit(cache, sha)) return cache;
    throw new CheckoutError(`checkout failed: commit ${sha} not found in ${repoUrl}`);
  }

  async #hasCommit(cache: string, sha: string): Promise<boolean> {
    try {
      await this.#git(['-C', cache, 'cat-file', '-e', `${sha}^{commit}`]);
      return true;
    } catch (error) {
      if (error instanceof GitCommandError) return false;
      throw error;
    }
  }

  #git(args: string[]) {
    this.#options.onGitCommand?.(args);
    return runGit(args, { env: this.#options.env });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
