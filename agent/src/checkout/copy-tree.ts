/**
 * Copies and removes directory trees in-process, two ways.
 *
 * In the foreground (a job waits): synchronous file system calls done in
 * slices, each at most `sliceMs` long, with a turn of the event loop
 * (setImmediate) between them. A workspace of a few dozen entries is copied
 * without a single round trip through libuv's thread pool (the promise API
 * costs ~100 µs of hops per entry, fs.promises.cp more: it stats every entry
 * on both sides); a tree of thousands never blocks heartbeats or other jobs'
 * output for long.
 *
 * In the background (nobody waits: spare copies, removing finished
 * workspaces): the promise API with at most `concurrency` calls in flight, so
 * the work (slow where creating an inode is slow) happens on the thread pool
 * and the event loop stays free for the jobs that run meanwhile.
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
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A copy never shares writes with its source: a reflink (where the file
 * system can) is copy-on-write, never a hard link; and it never writes
 * through something already at the target (a planted symbolic link).
 */
const copyFlags = constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE;

export interface TreeOptions {
  /** Use the thread pool (see above) rather than synchronous calls. */
  background?: boolean;
  /** Foreground: longest stretch of synchronous work before yielding to the event loop. Default 2 ms. */
  sliceMs?: number;
  /** Background: file system calls in flight at most. Default 2. */
  concurrency?: number;
}

/**
 * Creates `to` (and its parents) and copies the contents of `from` into it:
 * directories, regular files (mode kept; a reflink where the file system can,
 * else a copy) and symbolic links as they are (not followed). Timestamps are
 * not kept: the copy is a fresh checkout, as `git checkout` would write it.
 * `to` must not exist yet.
 */
export async function copyTree(from: string, to: string, options: TreeOptions = {}): Promise<void> {
  if (options.background) return copyTreeInBackground(from, to, options.concurrency ?? 2);
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
  if (options.background) return removeTreeInBackground(path, options.concurrency ?? 2);
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
  const sliceMs = options.sliceMs ?? 2;
  for (;;) {
    const until = performance.now() + sliceMs;
    do {
      if (!step()) return;
    } while (performance.now() < until);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

async function copyTreeInBackground(from: string, to: string, concurrency: number): Promise<void> {
  const limited = limiter(concurrency);
  const copyEntry = async (entry: Dirent, source: string, target: string): Promise<void> => {
    if (entry.isDirectory()) {
      await limited(() => fsp.mkdir(target));
      await copyChildren(source, target);
    } else if (entry.isFile()) {
      await limited(() => fsp.copyFile(source, target, copyFlags));
    } else if (entry.isSymbolicLink()) {
      const link = await limited(() => fsp.readlink(source));
      await limited(() => fsp.symlink(link, target));
    } else {
      throw new Error(`cannot copy ${source}: not a file, directory or symbolic link`);
    }
  };
  const copyChildren = async (source: string, target: string): Promise<void> => {
    const entries = await limited(() => fsp.readdir(source, { withFileTypes: true }));
    await Promise.all(entries.map((entry) => copyEntry(entry, join(source, entry.name), join(target, entry.name))));
  };
  await fsp.mkdir(to, { recursive: true });
  await copyChildren(from, to);
}

async function removeTreeInBackground(path: string, concurrency: number): Promise<void> {
  try {
    if (!(await fsp.lstat(path)).isDirectory()) return await fsp.unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await removeChildren(path, limiter(concurrency));
  await fsp.rmdir(path);
}

/**
 * Removes everything below the directory `dir` and keeps `dir` (symbolic
 * links are not followed), through the thread pool like removeTree's
 * background mode.
 */
export async function emptyTree(dir: string, concurrency = 2): Promise<void> {
  await removeChildren(dir, limiter(concurrency));
}

async function removeChildren(dir: string, limited: ReturnType<typeof limiter>): Promise<void> {
  const entries = await limited(() => fsp.readdir(dir, { withFileTypes: true }));
  await Promise.all(
    entries.map(async (entry) => {
      const p = join(dir, entry.name);
      if (!entry.isDirectory()) return limited(() => fsp.unlink(p));
      await removeChildren(p, limited);
      await limited(() => fsp.rmdir(p));
    }),
  );
}

/** Runs at most `max` of the given tasks at a time, in call order. */
function limiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
