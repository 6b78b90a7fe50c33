/**
 * One real `gantry …` process started through the built CLI (bin/gantry.mjs),
 * with its output captured in memory. Each runs in its own process group so
 * kill9() also takes down whatever it started (job processes of an agent), as
 * a machine crash would.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startChild } from '@gantry/common';
import { CapturedOutput } from './captured-output.js';

const gantryBin = fileURLToPath(new URL('../../../bin/gantry.mjs', import.meta.url));
const STOP_GRACE_MS = 15_000;

export class GantryProcessStartError extends Error {
  override readonly name = 'GantryProcessStartError';
  readonly code = 'GANTRY_PROCESS_START_FAILED';
}

export interface GantryProcess {
  readonly child: ChildProcess;
  readonly output: CapturedOutput;
  /** Why it exited (`code 0`, `signal SIGKILL`), or undefined while it runs. */
  exitReason(): string | undefined;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** SIGTERM, wait for exit; SIGKILL to the group after a grace period. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL to the whole process group, wait for exit. Idempotent. */
  kill9(): Promise<void>;
}

/**
 * Spawns `node bin/gantry.mjs ...args` with `env` added to this process's
 * environment; output goes to `output` (shared across restarts) or a new buffer.
 */
export function spawnGantry(
  args: string[],
  env: Record<string, string>,
  output: CapturedOutput = new CapturedOutput(),
): GantryProcess {
  const child = startChild(process.execPath, [gantryBin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    processGroup: true,
  });
  output.capture(child.process.stdout);
  output.capture(child.process.stderr);
  return {
    child: child.process,
    output,
    exitReason: child.exitReason,
    exited: child.exited,
    stop: () => child.stop({ graceMs: STOP_GRACE_MS }),
    kill9: child.kill9,
  };
}

/** Polls `ready` until it returns a value; throws with the process output if it exits or `timeoutMs` passes. */
export async function waitForReady<T>(
  gantry: GantryProcess,
  what: string,
  ready: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exitReason = gantry.exitReason();
    if (exitReason !== undefined) {
      throw new GantryProcessStartError(
        `${what} exited (${exitReason}) before it was ready; output:\n${gantry.output.text()}`,
      );
    }
    const value = await ready();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      await gantry.kill9();
      throw new GantryProcessStartError(`${what} not ready within ${timeoutMs} ms; output:\n${gantry.output.text()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
