/**
 * The attempts' TMPDIRs, under `<workDir>/tmp/`. Each attempt has a private
 * (0700) and empty one for as long as it runs.
 *
 * With `reuse` (steps run as the agent's own user, no --run-as), a TMPDIR the
 * attempt left behind is emptied and kept for the next attempt instead of
 * being removed and made again: creating a directory allocates an inode,
 * which costs far more than emptying an empty one on some file systems (an
 * ext4 without a journal scans the inodes freed in the last seconds; at tens
 * of jobs per second that is a millisecond of CPU per job). Nothing of one
 * attempt reaches the next: the directory is handed out only if it is still
 * an empty 0700 directory of the agent's user, else a fresh one is made in
 * its place. Under --run-as every attempt gets a new directory, so that a
 * process the steps' user left running cannot reach the next attempt's
 * TMPDIR through a handle on the old one.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyTree, removeTree } from '../checkout/copy-tree.js';

export interface ScratchDirsOptions {
  /** Where the TMPDIRs are (`<workDir>/tmp`). */
  root: string;
  /** Keep emptied TMPDIRs for later attempts (see above). */
  reuse: boolean;
  /** Emptied TMPDIRs kept at most; default 64. */
  maxIdle?: number;
}

export class ScratchDirs {
  readonly #options: ScratchDirsOptions;
  /** Emptied TMPDIRs, ready to be handed out again (verified then). */
  readonly #idle: string[] = [];

  constructor(options: ScratchDirsOptions) {
    this.#options = options;
  }

  /** The TMPDIR path for a new attempt: a kept one, or `<root>/<name>`. Call prepare() before use. */
  claim(name: string): string {
    return this.#idle.pop() ?? join(this.#options.root, name);
  }

  /** Makes `path` (from claim()) an empty 0700 directory of the agent's user. */
  async prepare(path: string): Promise<void> {
    if (isEmptyPrivateDir(path)) return;
    await removeTree(path, { background: true });
    await mkdir(path, { recursive: true, mode: 0o700 });
  }

  /**
   * The attempt is done with `path`: emptied and kept (with reuse, while
   * there is room; prepare() checks it before it is used again), else removed.
   */
  async release(path: string): Promise<void> {
    const { reuse, maxIdle = 64 } = this.#options;
    if (reuse && this.#idle.length < maxIdle) {
      try {
        // Most attempts leave their TMPDIR empty: one listing here costs less than a trip through the thread pool.
        if (readdirSync(path).length > 0) await emptyTree(path);
        this.#idle.push(path);
        return;
      } catch {
        // Not emptied (gone, or a job made part of it unreadable): removed below instead.
      }
    }
    await removeTree(path, { background: true });
  }
}

/**
 * An empty directory (not a link to one) of this process's user, mode 0700.
 * Synchronous: on the attempt's way to its first step, two system calls on
 * the agent's own work directory cost less than two trips through libuv's
 * thread pool.
 */
function isEmptyPrivateDir(path: string): boolean {
  try {
    const stat = lstatSync(path);
    const ownUser = process.getuid?.() ?? stat.uid;
    if (!stat.isDirectory() || stat.uid !== ownUser || (stat.mode & 0o7777) !== 0o700) return false;
    return readdirSync(path).length === 0;
  } catch {
    return false;
  }
}
