/**
 * A fingerprint of a directory tree, taken when the agent made it, that tells
 * cheaply whether anyone changed the tree since — a job included, although it
 * runs as the agent's own Unix user and can chmod, rewrite, link or replace
 * anything the agent wrote.
 *
 * Per entry the manifest keeps type, mode, owner, size, inode, mtime and
 * ctime (nanoseconds). ctime is the guard: the kernel sets it to "now" on
 * every change to an inode (write, truncate, chmod, chown, link, rename,
 * utimes), and no call lets an unprivileged process set it back. A tree whose
 * every entry still has its recorded ctime (and whose directories hold exactly
 * the recorded names) is therefore byte for byte the tree recorded, without
 * reading a single file: verifying costs one lstat per entry, far less than
 * copying the tree, and nothing like re-hashing it.
 *
 * One gap remains: timestamps come from a coarse clock (a few ms per tick),
 * so a file changed within the same tick in which it was written keeps its
 * ctime. Such *racy* entries (written in the tick the manifest was finished,
 * found by creating a probe file afterwards) also get a SHA-256 of their
 * content, re-checked on every verification — typically only the last few
 * files git wrote.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  type BigIntStats,
  closeSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  unlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

export interface TreeManifest {
  /** Relative path ('' = the root) → fingerprint. */
  readonly entries: ReadonlyMap<string, string>;
  /** Relative paths of racy files → SHA-256 of their content. */
  readonly racyDigests: ReadonlyMap<string, string>;
}

export interface VerifyOptions {
  /**
   * Where to read racy files' content (default the verified root): after a
   * copy, the copy itself, so what the job gets is what was hashed.
   */
  contentRoot?: string;
}

/** Records `root` as it is now. Synchronous: one lstat per entry, plus hashes of racy files. */
export function recordTreeManifest(root: string): TreeManifest {
  const stats = new Map<string, BigIntStats>();
  walk(root, (relative, stat) => {
    stats.set(relative, stat);
    return true;
  });
  const now = fileSystemNow(dirname(root));
  const entries = new Map<string, string>();
  const racyDigests = new Map<string, string>();
  for (const [relative, stat] of stats) {
    entries.set(relative, fingerprint(root, relative, stat));
    if (stat.isFile() && stat.ctimeNs >= now) racyDigests.set(relative, digestOf(join(root, relative)));
  }
  return { entries, racyDigests };
}

/**
 * Undefined when `root` is exactly as recorded; else the first difference
 * found ("changed: src/a.c", "added: x", "missing entries"). The root's own
 * ctime and mtime are not compared: renaming a recorded tree (a spare copy
 * into a workspace) changes them, and its contents are compared anyway.
 */
export function verifyTreeManifest(
  root: string,
  manifest: TreeManifest,
  options: VerifyOptions = {},
): string | undefined {
  let problem: string | undefined;
  let seen = 0;
  try {
    walk(root, (relative, stat) => {
      const expected = manifest.entries.get(relative);
      if (expected === undefined) problem = `added: ${relative}`;
      else if (expected !== fingerprint(root, relative, stat)) problem = `changed: ${relative || '.'}`;
      seen++;
      return problem === undefined;
    });
  } catch (error) {
    return `unreadable: ${(error as Error).message}`;
  }
  if (problem) return problem;
  if (seen !== manifest.entries.size) return 'missing entries';
  const contentRoot = options.contentRoot ?? root;
  for (const [relative, digest] of manifest.racyDigests) {
    try {
      if (digestOf(join(contentRoot, relative)) !== digest) return `changed: ${relative}`;
    } catch {
      return `unreadable: ${relative}`;
    }
  }
  return undefined;
}

/** Visits `root` and everything below it (symbolic links not followed) until `visit` returns false. */
function walk(root: string, visit: (relative: string, stat: BigIntStats) => boolean): void {
  const pending = [''];
  for (let relative = pending.pop(); relative !== undefined; relative = pending.pop()) {
    const stat = lstatSync(join(root, relative), { bigint: true });
    if (!visit(relative, stat)) return;
    if (!stat.isDirectory()) continue;
    for (const name of readdirSync(join(root, relative))) pending.push(relative ? `${relative}/${name}` : name);
  }
}

function fingerprint(root: string, relative: string, stat: BigIntStats): string {
  const kind = stat.isFile() ? 'f' : stat.isDirectory() ? 'd' : stat.isSymbolicLink() ? 'l' : 'o';
  const common = `${kind}:${stat.mode}:${stat.uid}:${stat.gid}:${stat.size}:${stat.ino}`;
  if (relative === '') return common;
  const link = kind === 'l' ? `:${readlinkSync(join(root, relative))}` : '';
  return `${common}:${stat.nlink}:${stat.mtimeNs}:${stat.ctimeNs}${link}`;
}

/** The file system's current time, as it would stamp a change made now (ns). */
function fileSystemNow(dir: string): bigint {
  const probe = join(dir, `.clock-${randomBytes(6).toString('hex')}`);
  closeSync(openSync(probe, 'wx'));
  try {
    return lstatSync(probe, { bigint: true }).ctimeNs;
  } finally {
    unlinkSync(probe);
  }
}

function digestOf(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
