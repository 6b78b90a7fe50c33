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
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PGlite's CommonJS entry: what the child requires. */
const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite');

/** Generous: creating a cluster takes a few seconds on a quiet machine. */
const createTimeoutMs = 300_000;

/** Resolves once `dir` holds a cluster, made by a child process if it held none. */
export async function ensurePgliteCluster(dir: string): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  const create = `const { PGlite } = require(process.argv[1]);
PGlite.create(process.argv[2]).then((db) => db.close()).catch((error) => {
  process.stderr.write(String(error?.message ?? error));
  process.exit(1);
});`;
  try {
    await run(process.execPath, ['-e', create, pgliteEntry, dir], { timeout: createTimeoutMs });
  } catch (error) {
    const { stderr, message } = error as Error & { stderr?: string };
    throw new Error(`cannot create the PGlite database in ${dir}: ${stderr?.trim() || message}`, { cause: error });
  }
}
