/**
 * The data directory (PGlite files, tokens, repository cache, logs of `up`)
 * is readable by its owner only: directories 0700, files 0600. New files get
 * that from the process umask, which the CLI commands set first thing;
 * `restrictToOwner` tightens what already exists (a data directory from an
 * older version, or PGlite's initial files, which it writes 0666 whatever the
 * umask).
 */
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Files and directories this process creates from now on get no group or other bits. Call once, at start. */
export function restrictNewFilesToOwner(): void {
  process.umask(0o077);
}

/**
 * Creates `dir` (0700) if needed and drops the group and other bits of it and
 * of everything in it, `depth` levels down (Infinity: the whole tree).
 * Symbolic links are left alone. Idempotent.
 */
export async function restrictToOwner(dir: string, depth = Number.POSITIVE_INFINITY): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await tighten(dir, depth);
}

async function tighten(path: string, depth: number): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return;
  if ((info.mode & 0o077) !== 0) await chmod(path, info.mode & 0o700);
  if (!info.isDirectory() || depth <= 0) return;
  for (const entry of await readdir(path)) await tighten(join(path, entry), depth - 1);
}
