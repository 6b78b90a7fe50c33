/**
 * Agent child processes for `gantry up`: each runs `gantry agent …` through
 * the same bin the user calls, logs to its own file, and is drained with
 * SIGTERM on shutdown (SIGKILL if it does not exit within the grace period).
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, startChild } from '@gantry/common';
import { controllerVariables } from '../config-variables.js';

/** bin/gantry.mjs at the repository root; the same path works from src/ and dist/. */
export const gantryBin = fileURLToPath(new URL('../../../bin/gantry.mjs', import.meta.url));

export interface LocalAgentOptions {
  index: number;
  controllerAddress: string;
  natsUrl: string;
  /** NATS user of the agents; its password goes through the environment, never the command line. */
  natsUser?: string;
  natsPassword?: string;
  /** PEM CA file the agent checks the controller's TLS certificate with (`--ca`). */
  caFile?: string;
  token: string;
  slots: number;
  queues: string[];
  dataDir: string;
  /** --run-as for the agent: the user its steps run as. */
  runAs?: string;
  /** Receives each line the agent writes to stdout/stderr. */
  onLine?: (line: string) => void;
}

export interface LocalAgent {
  name: string;
  logPath: string;
  child: Child;
  /** SIGTERM (drain), then SIGKILL after `graceMs`. Resolves when the process is gone. */
  stop(graceMs: number): Promise<void>;
}

/**
 * The environment an agent of `gantry up` inherits: this process's, minus what
 * only the controller may hold (its tokens, keys and database URL). Steps
 * never see the agent's environment anyway; git, which the agent runs, need
 * not either.
 */
export function withoutControllerSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    const variable = name.replace(/_FILE$/, '');
    const declaration = (controllerVariables as Record<string, { secret?: boolean }>)[variable];
    if (declaration?.secret || variable === 'DATABASE_URL' || variable === 'GANTRY_ARTIFACTS') continue;
    kept[name] = value;
  }
  return kept;
}

export async function spawnLocalAgent(options: LocalAgentOptions): Promise<LocalAgent> {
  const name = `local-agent-${options.index}`;
  const logDir = join(options.dataDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const logPath = join(logDir, `${name}.log`);
  const logFile = createWriteStream(logPath, { flags: 'a' });
  const args = [gantryBin, 'agent', '--controller', options.controllerAddress, '--nats', options.natsUrl];
  for (const queue of options.queues) args.push('--queue', queue);
  if (options.caFile) args.push('--ca', options.caFile);
  args.push('--slots', String(options.slots), '--name', name, '--work-dir', join(options.dataDir, 'agents', name));
  if (options.runAs !== undefined) args.push('--run-as', options.runAs);
  const child = startChild(process.execPath, args, {
    env: {
      ...withoutControllerSecrets(process.env),
      GANTRY_AGENT_TOKEN: options.token,
      ...(options.natsUser ? { GANTRY_NATS_USER: options.natsUser, GANTRY_NATS_PASSWORD: options.natsPassword } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let partial = '';
  const forward = (data: Buffer) => {
    logFile.write(data);
    if (!options.onLine) return;
    const lines = (partial + data.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.onLine(line);
  };
  child.process.stdout?.on('data', forward);
  child.process.stderr?.on('data', forward);
  void child.exited.then(() => logFile.end());
  return {
    name,
    logPath,
    child,
    stop: (graceMs) => child.stop({ graceMs }),
  };
}
