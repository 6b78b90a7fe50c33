/**
 * A throwaway PostgreSQL server for integration tests: a copy of a cached
 * initdb template, listening on a free port on 127.0.0.1, trust auth, no fsync.
 * As root everything runs as the `postgres` user (Postgres refuses root).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Child, type ChildOptions, startChild } from '@gantry/common';
import pg from 'pg';
import { findFreePort } from './free-port.js';

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`, the maintenance database. */
  readonly url: string;
  /** Creates a database (default: a unique name) and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** SIGKILL to the postmaster and every backend (a crash), and wait until they are gone. */
  kill9(): Promise<void>;
  /** Starts the server again at the same address on the same data (after kill9), once it accepts connections. */
  restart(): Promise<void>;
  /** Fast shutdown, then deletes the data directory. Idempotent. */
  stop(): Promise<void>;
}

export class PostgresNotFoundError extends Error {
  override readonly name = 'PostgresNotFoundError';
  readonly code = 'POSTGRES_NOT_FOUND';
}

export class PostgresStartError extends Error {
  override readonly name = 'PostgresStartError';
  readonly code = 'POSTGRES_START_FAILED';
}

const execFileAsync = promisify(execFile);
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const asRoot = process.getuid?.() === 0;

export async function startPostgres(): Promise<PostgresServer> {
  const { binDir, major } = await findPostgres();
  const template = await ensureTemplate(binDir, major);

  const workDir = await mkdtemp(join(tmpdir(), 'gantry-pg-'));
  const dataDir = join(workDir, 'data');
  if (asRoot) await execFileAsync('chown', ['postgres:postgres', workDir]);
  await run('cp', ['-a', template, dataDir]);

  const port = await findFreePort();
  const logPath = join(workDir, 'postgres.log');
  // As root the child is runuser: signalling it delays shutdown by 2 s and a
  // SIGKILL would orphan postgres, so signal the postmaster (postmaster.pid).
  let child: Child | undefined;
  const signalServer = (signal: NodeJS.Signals) => {
    if (!child || child.exitReason() !== undefined) return;
    const postmasterPid = readPostmasterPid(dataDir);
    if (postmasterPid !== undefined) process.kill(postmasterPid, signal);
    else child.process.kill('SIGKILL');
  };
  const args = ['-D', dataDir, '-p', String(port), '-k', dataDir, '-c', 'listen_addresses=127.0.0.1'];
  args.push('-c', 'fsync=off', '-c', 'max_connections=200');
  const spawnServer = () => {
    const logFd = openSync(logPath, 'a');
    try {
      return spawnAsPostgres(join(binDir, 'postgres'), args, logFd, () => signalServer('SIGQUIT'));
    } finally {
      closeSync(logFd);
    }
  };
  child = spawnServer();
  let server = child;

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitUntilAccepting(url, server.exitReason);
  } catch (error) {
    signalServer('SIGKILL');
    await server.kill9();
    const log = await readFile(logPath, 'utf8').catch(() => '');
    await rm(workDir, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new PostgresStartError(`postgres on port ${port} did not start: ${reason}\nserver log:\n${log}`, {
      cause: error,
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    createDatabase: (name) => createDatabase(url, name),
    async kill9() {
      const backends = postgresPidsOf(dataDir);
      for (const pid of backends) signalPid(pid, 'SIGKILL');
      await server.kill9();
      await waitUntilGone(backends);
    },
    async restart() {
      child = spawnServer();
      server = child;
      await waitUntilAccepting(url, server.exitReason);
    },
    stop() {
      stopping ??= (async () => {
        signalServer('SIGINT');
        const timer = setTimeout(() => signalServer('SIGQUIT'), STOP_TIMEOUT_MS);
        await server.exited;
        clearTimeout(timer);
        await rm(workDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/**
 * Creates a database on the server at `serverUrl` (any database URL on it) and
 * returns the new database's URL. Default name: unique per call.
 */
export async function createDatabase(serverUrl: string, name?: string): Promise<string> {
  const database = name ?? `gantry_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) {
    throw new Error(`createDatabase: "${database}" is not a plain lower-case identifier`);
  }
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function findPostgres(): Promise<{ binDir: string; major: string }> {
  const root = '/usr/lib/postgresql';
  const versions = (await readdir(root).catch(() => []))
    .filter((entry) => /^\d+(\.\d+)?$/.test(entry))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const binDir = join(root, version, 'bin');
    if (await isPresent(join(binDir, 'postgres'))) return { binDir, major: version };
  }
  const fromPgConfig = await execFileAsync('pg_config', ['--bindir']).catch(() => undefined);
  const binDir = fromPgConfig?.stdout.trim();
  if (binDir && (await isPresent(join(binDir, 'postgres')))) {
    const { stdout } = await execFileAsync(join(binDir, 'postgres'), ['--version']);
    return { binDir, major: /(\d+)/.exec(stdout)?.[1] ?? 'unknown' };
  }
  throw new PostgresNotFoundError(
    `postgres not found in ${root}/*/bin or pg_config --bindir; install it with: apt-get install -y postgresql`,
  );
}

/**
 * The cached initdb output for this major version, made once per machine. initdb
 * writes to a temporary name that is renamed into place, so a half-made
 * template (crash, concurrent run) is never used.
 */
async function ensureTemplate(binDir: string, major: string): Promise<string> {
  const template = join(tmpdir(), `gantry-pg-template-${major}`);
  if (await isPresent(join(template, 'PG_VERSION'))) return template;

  const building = `${template}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(building, { mode: 0o700 });
  try {
    if (asRoot) await execFileAsync('chown', ['postgres:postgres', building]);
    await run(join(binDir, 'initdb'), ['-D', building, '-A', 'trust', '--no-sync', '-U', 'postgres']);
    await rename(building, template);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    // Another run finished the template first: use theirs.
    if (await isPresent(join(template, 'PG_VERSION'))) return template;
    throw error;
  }
  return template;
}

/** Runs `command` to completion, as the postgres user when we are root. */
async function run(command: string, args: string[]): Promise<void> {
  const [file, fileArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  await execFileAsync(file, fileArgs, { cwd: tmpdir(), maxBuffer: 10_000_000 });
}

function spawnAsPostgres(command: string, args: string[], logFd: number, killAtExit: () => void): Child {
  // The caller's cwd may be closed to the postgres user (a checkout under /root).
  const settings: ChildOptions = { stdio: ['ignore', logFd, logFd], cwd: tmpdir(), killAtExit };
  if (asRoot) return startChild('runuser', ['-u', 'postgres', '--', command, ...args], settings);
  return startChild(command, args, settings);
}

async function waitUntilAccepting(url: string, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const reason = exited();
    if (reason !== undefined) throw new Error(`server exited (${reason})`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    // A failed connect also emits 'error' on the client; without a listener that would crash the process.
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const detail = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(`no connection within ${START_TIMEOUT_MS} ms (last error: ${detail})`);
}

/** Synchronous so the exit handler can use it. */
function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function isPresent(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** The postmaster and every backend of the cluster in `dataDir` (its postmaster's children), from /proc. */
function postgresPidsOf(dataDir: string): number[] {
  const postmaster = readPostmasterPid(dataDir);
  if (postmaster === undefined) return [];
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/PID/stat is the parent pid; the command name (field 2) may hold spaces, so split after ')'.
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      if (Number(fields[1]) === postmaster) pids.push(Number(entry));
    } catch {
      // Exited while listing.
    }
  }
  return pids;
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

async function waitUntilGone(pids: number[]): Promise<void> {
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  // A zombie (state Z) is dead already; only its parent's wait() is missing.
  const alive = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
    } catch {
      return false;
    }
  };
  while (pids.some(alive)) {
    if (Date.now() > deadline) throw new Error(`postgres processes ${pids.filter(alive).join(', ')} outlived SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The whole of a database as `pg_dump` prints it (plain SQL; bytea in hex), for tests that search it. */
export async function dumpDatabase(databaseUrl: string): Promise<string> {
  const { binDir } = await findPostgres();
  const { stdout } = await execFileAsync(join(binDir, 'pg_dump'), ['--no-owner', databaseUrl], {
    maxBuffer: 512 * 1024 * 1024,
  });
  return stdout;
}
