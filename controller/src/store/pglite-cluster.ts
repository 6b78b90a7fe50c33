/**
 * Creates PGlite's database cluster, when its directory has none, in a
 * short-lived child process.
 *
 * PGlite keeps what creating a cluster (its initdb) used for as long as the
 * process lives: a controller that created its own cluster held some 500 MB
 * more than one that found it made, and every process the controller starts
 * afterwards (each trigger runs git) is a fork of that memory, its page tables
 * copied while the controller's one thread waits (31-37 ms against 15 ms per
 * git command in the PGlite dispatch bench on this project's 2-core
 * machines). The child does the creation and takes that memory with it when
 * it exits.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PGlite's CommonJS entry: what the child requires. */
const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite');

/** Generous: creating a cluster takes a few seconds on a quiet machine. */
const createTimeoutMs = 300_000;

/**
 * The cluster is made in a directory inside `dir` and moved up entry by entry,
 * `PG_VERSION` last: `PG_VERSION` is what says a cluster is there (to this
 * function and to PGlite), and PGlite writes it before the last files of a
 * cluster, so a creation killed in those milliseconds would have left a
 * directory taken for a cluster that cannot open.
 */
const staging = '.creating';

/** Whether `dir` holds a cluster (made whole: see `staging`). */
export function hasPgliteCluster(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

/**
 * Resolves once `dir` holds a cluster, made by a child process if it held
 * none. A `dir` without `PG_VERSION` holds no cluster, only what an interrupted
 * creation left: it is emptied first.
 */
export async function ensurePgliteCluster(dir: string): Promise<void> {
  if (hasPgliteCluster(dir)) return;
  const create = `const { PGlite } = require(process.argv[1]);
PGlite.create(process.argv[2]).then((db) => db.close()).catch((error) => {
  process.stderr.write(String(error?.message ?? error));
  process.exit(1);
});`;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
    const made = join(dir, staging);
    await run(process.execPath, ['-e', create, pgliteEntry, made], { timeout: createTimeoutMs });
    const entries = await readdir(made);
    for (const entry of entries) if (entry !== 'PG_VERSION') await rename(join(made, entry), join(dir, entry));
    await rename(join(made, 'PG_VERSION'), join(dir, 'PG_VERSION'));
    await rmdir(made);
  } catch (error) {
    const { stderr, message } = error as Error & { stderr?: string };
    throw new Error(`cannot create the PGlite database in ${dir}: ${stderr?.trim() || message}`, { cause: error });
  }
}
