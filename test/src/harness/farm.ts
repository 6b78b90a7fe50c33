/**
 * The farm's real processes for end-to-end tests: a controller and agents,
 * each started through the built CLI (`node bin/gantry.mjs …`), so run
 * `npm run build` first. Every process is killed when the test process exits.
 */

import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { CapturedOutput } from './captured-output.js';
import { findFreePort } from './free-port.js';
import { type GantryProcess, spawnGantry, waitForReady } from './gantry-process.js';
import { httpStatus } from './http-status.js';

const DEFAULT_START_TIMEOUT_MS = 30_000;

export interface ControllerOptions {
  /** Absent: embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  natsUrl: string;
  dataDir: string;
  /** Absent: the controller generates one and saves it in `dataDir/admin-token`. */
  adminToken?: string;
  /** Absent: the controller generates one and saves it in `dataDir/agent-token`. */
  agentToken?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** How much of its output logs() keeps (the latest part); default 1,000,000 characters. */
  maxLogChars?: number;
  /** Serve HTTP and gRPC over TLS with these PEM files; `ca` (PEM text) checks its certificate while waiting for /healthz. */
  tls?: { cert: string; key: string; ca: string };
}

export interface ControllerProcess {
  /** `http://127.0.0.1:PORT`; the same after restart(). */
  readonly httpUrl: string;
  /** `127.0.0.1:PORT` for agents; the same after restart(). */
  readonly grpcAddress: string;
  /** Pid of the current process; changes on restart(). */
  readonly pid: number;
  /** SIGTERM, wait for exit. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit: a crash. Idempotent. */
  kill9(): Promise<void>;
  /** Stops it if it runs, starts it again on the same ports and data, waits for /healthz. */
  restart(): Promise<void>;
  /** Everything it printed, across restarts (bounded). */
  logs(): string;
  /** Why the current process exited (`code 0`, `signal SIGKILL`), or undefined while it runs. */
  exitReason(): string | undefined;
}

/** Starts `gantry controller` on free ports and resolves once GET /healthz answers 200. */
export async function startController(options: ControllerOptions): Promise<ControllerProcess> {
  const [httpPort, grpcPort] = [await findFreePort(), await findFreePort()];
  const httpUrl = `${options.tls ? 'https' : 'http'}://127.0.0.1:${httpPort}`;
  const args = ['controller', '--http-port', String(httpPort), '--grpc-port', String(grpcPort)];
  args.push('--data-dir', options.dataDir);
  const env = {
    // Tests build repositories they create under the temporary directory; `gantry controller` reads no local path by default.
    GANTRY_REPO_ALLOW: tmpdir(),
    ...options.env,
    // Empty counts as unset, so nothing inherited from this process's environment applies.
    DATABASE_URL: options.databaseUrl ?? '',
    GANTRY_NATS_URL: options.natsUrl,
    GANTRY_ADMIN_TOKEN: options.adminToken ?? '',
    GANTRY_AGENT_TOKEN: options.agentToken ?? '',
    GANTRY_TLS_CERT: options.tls?.cert ?? '',
    GANTRY_TLS_KEY: options.tls?.key ?? '',
  };
  const output = new CapturedOutput(options.maxLogChars);
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;

  const launch = async (): Promise<GantryProcess> => {
    const gantry = spawnGantry(args, env, output);
    await waitForReady(gantry, `gantry controller (${httpUrl})`, () => isHealthy(httpUrl, options.tls?.ca), timeoutMs);
    return gantry;
  };
  let current = await launch();

  return {
    httpUrl,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    get pid() {
      return current.child.pid ?? -1;
    },
    stop: () => current.stop(),
    kill9: () => current.kill9(),
    async restart() {
      await current.stop();
      output.append('\n--- restart ---\n');
      current = await launch();
    },
    logs: () => output.text(),
    exitReason: () => current.exitReason(),
  };
}

async function isHealthy(httpUrl: string, ca: string | undefined): Promise<true | undefined> {
  try {
    return (await httpStatus(`${httpUrl}/healthz`, ca)) === 200 ? true : undefined;
  } catch {
    return undefined;
  }
}

export interface AgentOptions {
  /** The controller's gRPC address, `127.0.0.1:PORT`. */
  controller: string;
  natsUrl: string;
  /** Default `default`. */
  queue?: string;
  /** Default 1. */
  slots?: number;
  token: string;
  workDir: string;
  /** Default: `agent-` and random hex. */
  name?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** How much of its output logs() keeps (the latest part); default 1,000,000 characters. */
  maxLogChars?: number;
}

export interface AgentProcess {
  readonly pid: number;
  readonly name: string;
  /** The id the controller gave it, from its `agent ready` log line. */
  readonly agentId: string;
  /** SIGTERM, wait for exit (the agent drains). Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL to the agent and every process it started: a machine crash. Idempotent. */
  kill9(): Promise<void>;
  /** Everything it printed (bounded). */
  logs(): string;
}

/** Starts `gantry agent` and resolves once it logs `agent ready`. */
export async function startAgent(options: AgentOptions): Promise<AgentProcess> {
  const name = options.name ?? `agent-${randomBytes(3).toString('hex')}`;
  const args = ['agent', '--controller', options.controller, '--nats', options.natsUrl];
  args.push('--queue', options.queue ?? 'default', '--slots', String(options.slots ?? 1));
  args.push('--work-dir', options.workDir, '--name', name);
  // The token goes through the environment: on the command line every user could read it in `ps`.
  const env = { GANTRY_AGENT_TOKEN: options.token, ...options.env };
  const gantry = spawnGantry(args, env, new CapturedOutput(options.maxLogChars));

  let agentId: string | undefined;
  if (gantry.child.stdout) {
    createInterface({ input: gantry.child.stdout }).on('line', (line) => {
      agentId ??= readyAgentId(line);
    });
  }
  const id = await waitForReady(
    gantry,
    `gantry agent ${name}`,
    async () => agentId,
    options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
  );

  return {
    pid: gantry.child.pid ?? -1,
    name,
    agentId: id,
    stop: () => gantry.stop(),
    kill9: () => gantry.kill9(),
    logs: () => gantry.output.text(),
  };
}

/** The `agentId` of a JSON log line whose `msg` is `agent ready`. */
function readyAgentId(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry: unknown = JSON.parse(line);
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { msg, agentId } = entry as { msg?: unknown; agentId?: unknown };
    return msg === 'agent ready' && typeof agentId === 'string' ? agentId : undefined;
  } catch {
    return undefined;
  }
}
