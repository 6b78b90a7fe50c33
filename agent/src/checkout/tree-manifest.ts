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
 *
 * Directories are guarded the same way: adding, removing or renaming an
 * entry sets the directory's ctime, so a verification reads the listing only
 * of the root (renaming a tree changes the root's times) and of racy
 * directories; every other recorded entry is found by its recorded path.
 * A tree recorded again once the clock has moved on (rerecordTreeManifest)
 * has no racy entries left, so verifying it costs one lstat per entry and
 * one listing.
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
import { sleep } from '../sleep.js';

export interface TreeManifest {
  /** Relative path ('' = the root) → fingerprint; parents before their entries. */
  readonly entries: ReadonlyMap<string, Fingerprint>;
  /** Relative paths of racy files → SHA-256 of their content. */
  readonly racyDigests: ReadonlyMap<string, string>;
  /** Directories whose listing a verification reads: the root and the racy ones. */
  readonly listedDirs: ReadonlySet<string>;
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
  return manifestOf(root, statTree(root));
}

/**
 * Records `root` again, if it is still exactly as `previous` recorded it
 * (else undefined): call it once the file system's clock has passed the
 * tree's last change, and the new manifest has no racy entries left.
 */
export function rerecordTreeManifest(root: string, previous: TreeManifest): TreeManifest | undefined {
  const stats = statTree(root);
  if (stats.size !== previous.entries.size) return undefined;
  const entries = fingerprintsOf(root, stats);
  for (const [relative, print] of entries) {
    const before = previous.entries.get(relative);
    if (!before || !samePrint(before, print)) return undefined;
  }
  if (racyContentProblem(root, previous) !== undefined) return undefined;
  return manifestOf(root, stats, entries);
}

/**
 * Records `root`, then again until nothing in it is racy (see
 * rerecordTreeManifest), waiting `waitMs` between tries, at most `tries`
 * times; undefined when the tree changed meanwhile. For a tree the agent
 * just made and keeps for later (a spare copy): verifying it later costs less.
 */
export async function recordSettledTreeManifest(
  root: string,
  { waitMs = 10, tries = 10 } = {},
): Promise<TreeManifest | undefined> {
  let manifest = recordTreeManifest(root);
  for (let attempt = 0; attempt < tries && !isSettled(manifest); attempt++) {
    await sleep(waitMs);
    const again = rerecordTreeManifest(root, manifest);
    if (!again) return undefined;
    manifest = again;
  }
  return manifest;
}

/** Whether the file system's clock has passed every change recorded in `manifest` (nothing in it is racy). */
export function isSettled(manifest: TreeManifest): boolean {
  return manifest.racyDigests.size === 0 && manifest.listedDirs.size === 1;
}

function statTree(root: string): Map<string, BigIntStats> {
  const stats = new Map<string, BigIntStats>();
  walk(root, (relative, stat) => {
    stats.set(relative, stat);
    return true;
  });
  return stats;
}

function fingerprintsOf(root: string, stats: ReadonlyMap<string, BigIntStats>): Map<string, Fingerprint> {
  const entries = new Map<string, Fingerprint>();
  for (const [relative, stat] of stats) entries.set(relative, fingerprint(root, relative, stat));
  return entries;
}

/** The manifest of `stats` (as statTree read them), whose fingerprints are `entries`. */
function manifestOf(
  root: string,
  stats: ReadonlyMap<string, BigIntStats>,
  entries = fingerprintsOf(root, stats),
): TreeManifest {
  const now = fileSystemNow(dirname(root));
  const racyDigests = new Map<string, string>();
  const listedDirs = new Set<string>(['']);
  for (const [relative, stat] of stats) {
    if (stat.ctimeNs < now) continue;
    if (stat.isFile()) racyDigests.set(relative, digestOf(join(root, relative)));
    else if (stat.isDirectory()) listedDirs.add(relative);
  }
  return { entries, racyDigests, listedDirs };
}

/**
 * Undefined when `root` is exactly as recorded; else the first difference
 * found ("changed: src/a.c", "added: x", "missing: y"). The root's own
 * ctime and mtime are not compared: renaming a recorded tree (a spare copy
 * into a workspace) changes them, and its contents are compared anyway.
 */
export function verifyTreeManifest(
  root: string,
  manifest: TreeManifest,
  options: VerifyOptions = {},
): string | undefined {
  try {
    // Parents come before their entries: a directory swapped for a link is reported before anything is read through it.
    for (const [relative, expected] of manifest.entries) {
      let stat: BigIntStats;
      try {
        stat = lstatSync(join(root, relative), { bigint: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return `missing: ${relative || '.'}`;
        throw error;
      }
      if (!samePrint(expected, fingerprint(root, relative, stat))) return `changed: ${relative || '.'}`;
    }
    for (const dir of manifest.listedDirs) {
      for (const name of readdirSync(join(root, dir))) {
        const relative = dir ? `${dir}/${name}` : name;
        if (!manifest.entries.has(relative)) return `added: ${relative}`;
      }
    }
  } catch (error) {
    return `unreadable: ${(error as Error).message}`;
  }
  return racyContentProblem(options.contentRoot ?? root, manifest);
}

/** How a racy file's content differs from the recorded digest (read under `contentRoot`), if it does. */
function racyContentProblem(contentRoot: string, manifest: TreeManifest): string | undefined {
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

/**
 * What a verification compares of an entry: its type, mode, owner, size and
 * inode, and but for the root (renaming a tree changes its times) its link
 * count, mtime, ctime and a symbolic link's target. Fields, not a string: a
 * job's workspace is verified twice per attempt, and formatting nine BigInts
 * per entry cost more than the lstat.
 */
export interface Fingerprint {
  readonly kind: 'f' | 'd' | 'l' | 'o';
  readonly mode: bigint;
  readonly uid: bigint;
  readonly gid: bigint;
  readonly size: bigint;
  readonly ino: bigint;
  readonly nlink: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly link: string;
}

function fingerprint(root: string, relative: string, stat: BigIntStats): Fingerprint {
  const kind = stat.isFile() ? 'f' : stat.isDirectory() ? 'd' : stat.isSymbolicLink() ? 'l' : 'o';
  const { mode, uid, gid, size, ino } = stat;
  if (relative === '') return { kind, mode, uid, gid, size, ino, nlink: 0n, mtimeNs: 0n, ctimeNs: 0n, link: '' };
  const link = kind === 'l' ? readlinkSync(join(root, relative)) : '';
  return { kind, mode, uid, gid, size, ino, nlink: stat.nlink, mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs, link };
}

function samePrint(a: Fingerprint, b: Fingerprint): boolean {
  return (
    a.ctimeNs === b.ctimeNs &&
    a.ino === b.ino &&
    a.mtimeNs === b.mtimeNs &&
    a.size === b.size &&
    a.mode === b.mode &&
    a.kind === b.kind &&
    a.uid === b.uid &&
    a.gid === b.gid &&
    a.nlink === b.nlink &&
    a.link === b.link
  );
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
