/**
 * Copies and removes directory trees in-process, with synchronous file system
 * calls done in slices, each at most `sliceMs` long, with a turn of the event
 * loop (setImmediate) between them. A workspace of a few dozen entries is
 * copied without a single round trip through libuv's thread pool (the promise
 * API costs ~100 µs of CPU in hops per entry, fs.promises.cp more: it stats
 * every entry on both sides); a tree of thousands never blocks heartbeats or
 * other jobs' output for long.
 *
 * In the background (nobody waits: spare copies, removing finished
 * workspaces) the slices are shorter, so that the jobs running meanwhile are
 * held up even less where creating an inode is slow.
 */
import {
  constants,
  copyFileSync,
  type Dirent,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * A copy never shares writes with its source: a reflink (where the file
 * system can) is copy-on-write, never a hard link; and it never writes
 * through something already at the target (a planted symbolic link).
 */
const copyFlags = constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE;

export interface TreeOptions {
  /** Nobody waits for the result: shorter slices (see above). */
  background?: boolean;
  /** Longest stretch of synchronous work before yielding to the event loop. Default 2 ms, 0.5 ms in the background. */
  sliceMs?: number;
}

/**
 * Creates `to` (and its parents) and copies the contents of `from` into it:
 * directories, regular files (mode kept; a reflink where the file system can,
 * else a copy) and symbolic links as they are (not followed). Timestamps are
 * not kept: the copy is a fresh checkout, as `git checkout` would write it.
 * `to` must not exist yet.
 */
export async function copyTree(from: string, to: string, options: TreeOptions = {}): Promise<void> {
  mkdirSync(to, { recursive: true });
  // Directories still to copy, depth first.
  const pending: Array<[string, string]> = [[from, to]];
  await sliced(options, () => {
    const next = pending.pop();
    if (!next) return false;
    const [source, target] = next;
    for (const entry of readdirSync(source, { withFileTypes: true })) {
      const s = join(source, entry.name);
      const t = join(target, entry.name);
      if (entry.isDirectory()) {
        mkdirSync(t);
        pending.push([s, t]);
      } else if (entry.isFile()) copyFileSync(s, t, copyFlags);
      else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(s), t);
      else throw new Error(`cannot copy ${s}: not a file, directory or symbolic link`);
    }
    return true;
  });
}

/** Removes `path` and everything below it (symbolic links are not followed); fine if it does not exist. */
export async function removeTree(path: string, options: TreeOptions = {}): Promise<void> {
  try {
    if (!lstatSync(path).isDirectory()) {
      unlinkSync(path);
      return;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  // Directories to empty; a directory is removed once its children are gone.
  const stack: Array<{ dir: string; listed: boolean }> = [{ dir: path, listed: false }];
  await sliced(options, () => {
    const top = stack.at(-1);
    if (!top) return false;
    if (top.listed) {
      rmdirSync(top.dir);
      stack.pop();
      return true;
    }
    top.listed = true;
    for (const entry of readdirSync(top.dir, { withFileTypes: true })) {
      const p = join(top.dir, entry.name);
      if (entry.isDirectory()) stack.push({ dir: p, listed: false });
      else unlinkSync(p);
    }
    return true;
  });
}

/** Calls `step` until it returns false, yielding to the event loop every `sliceMs`. */
async function sliced(options: TreeOptions, step: () => boolean): Promise<void> {
  const sliceMs = options.sliceMs ?? (options.background ? 0.5 : 2);
  for (;;) {
    const until = performance.now() + sliceMs;
    do {
      if (!step()) return;
    } while (performance.now() < until);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
