/**
 * Runs a local nats-server (JetStream, file store) as a child process. Used by
 * `gantry up` and by the integration-test harness. The server's stdout and
 * stderr go to `<storeDir>/nats-server.log`; the child is killed if this
 * process exits without stopping it.
 */
import { closeSync, constants, openSync } from 'node:fs';
import { access, mkdir, open, stat } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { type Child, startChild } from './child-process.js';

export interface NatsServerOptions {
  /** JetStream store directory; created if missing. Also holds nats-server.log. */
  storeDir: string;
  /** 0 or undefined: pick a free port. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Path of the nats-server binary; default: `nats-server` on PATH, else /usr/sbin/nats-server. */
  binary?: string;
  /** How long to wait for the server to accept connections; default 10 s. */
  startTimeoutMs?: number;
  /** Join a cluster: this node's name, its route port, and the route URLs of every node. */
  cluster?: NatsClusterMembership;
  /** A nats-server configuration file (`-c`), e.g. users and TLS; the options above override it. */
  configFile?: string;
}

/** One node's part in a NATS cluster (JetStream clustering needs a unique server name per node). */
export interface NatsClusterMembership {
  /** Cluster name, the same on every node. */
  name: string;
  /** This node's server name, unique in the cluster. */
  serverName: string;
  /** Port this node accepts routes on. */
  port: number;
  /** `nats://HOST:PORT` route URL of every node (its own included: it ignores it). */
  routes: string[];
}

export interface NatsServerProcess {
  /** `nats://HOST:PORT`; stays the same across restart(). */
  readonly url: string;
  readonly port: number;
  /** Pid of the current child; changes on restart(). */
  readonly pid: number;
  /** SIGTERM and wait for exit (SIGKILL after 10 s). Idempotent. 2.9 exits with code 1 on SIGTERM; that is not an error. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit, to simulate a crash. Idempotent. */
  kill9(): Promise<void>;
  /** Stop if running, then start again on the same port and store dir; resolves once it accepts connections. */
  restart(): Promise<void>;
}

const FALLBACK_BINARY = '/usr/sbin/nats-server';
const STOP_GRACE_MS = 10_000;
const MAX_LOG_TAIL_BYTES = 4_000;

export class NatsServerNotFoundError extends Error {
  override readonly name = 'NatsServerNotFoundError';
  readonly code = 'NATS_SERVER_NOT_FOUND';
  constructor(
    message = `nats-server not found on PATH or at ${FALLBACK_BINARY}; install it with: apt-get install -y nats-server`,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class NatsServerStartError extends Error {
  override readonly name = 'NatsServerStartError';
  readonly code = 'NATS_SERVER_START_FAILED';
}

/** Starts nats-server and resolves once it accepts TCP connections. */
export async function startNatsServer(options: NatsServerOptions): Promise<NatsServerProcess> {
  const binary = await findNatsServerBinary(options.binary);
  const host = options.host ?? '127.0.0.1';
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const cluster = options.cluster;
  const configFile = options.configFile;
  const logPath = join(options.storeDir, 'nats-server.log');
  await mkdir(options.storeDir, { recursive: true });

  const pickPort = !options.port;
  let port = options.port || (await findFreePort(host));
  let child: Child | undefined;
  const launchOn = (onPort: number) =>
    launch({ binary, host, port: onPort, storeDir: options.storeDir, logPath, startTimeoutMs, cluster, configFile });
  for (let attempt = 1; ; attempt++) {
    try {
      child = await launchOn(port);
      break;
    } catch (error) {
      // Another process may take a port between our probe and the server's bind.
      const portTaken = error instanceof NatsServerStartError && /address already in use/i.test(error.message);
      if (!pickPort || !portTaken || attempt >= 3) throw error;
      port = await findFreePort(host);
    }
  }

  let current: Child = child;
  return {
    url: `nats://${host}:${port}`,
    port,
    get pid() {
      return current.pid;
    },
    stop: () => current.stop({ graceMs: STOP_GRACE_MS }),
    kill9: () => current.kill9(),
    async restart() {
      await current.stop({ graceMs: STOP_GRACE_MS });
      current = await launchOn(port);
    },
  };
}

async function findNatsServerBinary(explicit: string | undefined): Promise<string> {
  if (explicit !== undefined) {
    if (await isExecutable(explicit)) return explicit;
    throw new NatsServerNotFoundError(
      `nats-server not found at "${explicit}"; install it with: apt-get install -y nats-server`,
    );
  }
  const candidates = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'nats-server'));
  for (const candidate of [...candidates, FALLBACK_BINARY]) {
    if (await isExecutable(candidate)) return candidate;
  }
  throw new NatsServerNotFoundError();
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface LaunchOptions {
  binary: string;
  host: string;
  port: number;
  storeDir: string;
  logPath: string;
  startTimeoutMs: number;
  cluster: NatsClusterMembership | undefined;
  configFile: string | undefined;
}

async function launch(options: LaunchOptions): Promise<Child> {
  const { binary, host, port, storeDir, logPath, startTimeoutMs, cluster, configFile } = options;
  const logFd = openSync(logPath, 'a');
  const logOffset = (await stat(logPath)).size;
  const args = [...(configFile ? ['-c', configFile] : []), '-js', '-sd', storeDir, '-a', host, '-p', String(port)];
  if (cluster) {
    args.push('-n', cluster.serverName, '--cluster_name', cluster.name);
    args.push('--cluster', `nats://${host}:${cluster.port}`, '--routes', cluster.routes.join(','));
  }
  let child: Child;
  try {
    child = startChild(binary, args, {
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }

  // A TCP probe alone could reach another process holding the port; the ready
  // line in this child's part of the log proves the listener is ours.
  const deadline = Date.now() + startTimeoutMs;
  let readyLogged = false;
  while (child.exitReason() === undefined) {
    readyLogged ||= (await readFrom(logPath, logOffset, Number.POSITIVE_INFINITY)).includes('Server is ready');
    if (readyLogged && (await acceptsConnections(host, port))) {
      if (child.exitReason() === undefined) return child;
      break;
    }
    if (Date.now() > deadline) {
      await child.kill9();
      const log = await readFrom(logPath, logOffset);
      throw new NatsServerStartError(
        `nats-server did not accept connections on ${host}:${port} within ${startTimeoutMs} ms; log:\n${log}`,
      );
    }
    await sleep(25);
  }
  const log = await readFrom(logPath, logOffset);
  throw new NatsServerStartError(
    `nats-server exited before accepting connections (${child.exitReason()}); log:\n${log}`,
  );
}

function acceptsConnections(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(1_000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** The log written since `offset`, at most its last `maxBytes`. */
async function readFrom(file: string, offset: number, maxBytes = MAX_LOG_TAIL_BYTES): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const start = Math.max(offset, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return buffer.toString('utf8').trimEnd();
  } finally {
    await handle.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
