/**
 * The agent's own copies of cache archives, named by their SHA-256 in
 * `<workDir>/caches/`: a restore whose archive is here reads it from disk
 * instead of the store. Kept under a byte budget, least recently used removed
 * first. A copy is only ever used when the controller names its SHA-256.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

const SHA256_NAME = /^[0-9a-f]{64}$/;

export class LocalCopies {
  readonly directory: string;
  constructor(
    workDir: string,
    private readonly maxBytes: number,
  ) {
    this.directory = join(workDir, 'caches');
  }

  /** A fresh path in the same directory (same filesystem) for a file being made. */
  async scratchPath(what: string): Promise<string> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    return join(this.directory, `${what}-${randomBytes(8).toString('hex')}`);
  }

  /** The copy of the archive with this digest and size, marked used; null when the agent has none. */
  async find(sha256: string, size: number): Promise<string | null> {
    if (!SHA256_NAME.test(sha256)) return null;
    const path = join(this.directory, sha256);
    const stats = await stat(path).catch(() => null);
    if (stats === null || stats.size !== size) return null;
    const now = new Date();
    await utimes(path, now, now).catch(() => {});
    return path;
  }

  /**
   * Moves `file` (a scratch path) in as the copy of `sha256` and returns where
   * it now is, then trims the other copies to the budget. With no budget
   * (GANTRY_CACHE_LOCAL_MAX_BYTES=0) the file stays where it was: the caller
   * removes it.
   */
  async keep(file: string, sha256: string): Promise<string> {
    if (this.maxBytes === 0 || !SHA256_NAME.test(sha256)) return file;
    const kept = join(this.directory, sha256);
    await rename(file, kept);
    await this.#trim(kept);
    return kept;
  }

  /** Removes a copy that turned out unreadable. */
  async forget(sha256: string): Promise<void> {
    if (SHA256_NAME.test(sha256)) await rm(join(this.directory, sha256), { force: true });
  }

  /** Removes the least recently used copies past the budget, never `keep` (the one just stored). */
  async #trim(keep: string): Promise<void> {
    const copies: { path: string; size: number; usedMs: number }[] = [];
    for (const name of await readdir(this.directory)) {
      if (!SHA256_NAME.test(name)) continue;
      const path = join(this.directory, name);
      const stats = await stat(path).catch(() => null);
      if (stats !== null) copies.push({ path, size: stats.size, usedMs: stats.mtimeMs });
    }
    copies.sort((a, b) => b.usedMs - a.usedMs);
    let total = 0;
    for (const copy of copies) {
      total += copy.size;
      if (total > this.maxBytes && copy.path !== keep) await rm(copy.path, { force: true });
    }
  }
}
