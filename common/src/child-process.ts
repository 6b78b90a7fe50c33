/**
 * One way to start and stop a child process, used by `gantry up`, the test
 * harness and the bench: spawn, record why it exited, stop with a signal and
 * a grace period before SIGKILL, and kill it if this process exits while the
 * child still runs (a crashed test, an uncaught error in `gantry up`).
 *
 * With `processGroup: true` the child leads its own process group and
 * SIGKILL goes to the whole group, so whatever it started (an agent's job
 * processes) dies with it, as on a machine crash.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { killOnExit } from './exit-cleanup.js';

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdin, stdout, stderr as for `spawn` (`'pipe'`, `'ignore'`, a file descriptor). Default: all ignored. */
  stdio?: SpawnOptions['stdio'];
  /** Lead a new process group; kills then reach everything the child started. */
  processGroup?: boolean;
  /**
   * How to kill the child at this process's exit, synchronously. Default:
   * SIGKILL to the child (its group with `processGroup`).
   */
  killAtExit?: () => void;
}

export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Resolves once the child has exited (or failed to spawn). Never rejects. */
  readonly exited: Promise<void>;
  /** Why it exited (`code 0`, `signal SIGKILL`, `spawn error: …`); undefined while it runs. */
  exitReason(): string | undefined;
  /** Sends `signal` (default SIGTERM), SIGKILL after `graceMs` (default 10 s); resolves on exit. Idempotent. */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<void>;
  /** SIGKILL (to the group with `processGroup`) and wait for the exit. Idempotent. */
  kill9(): Promise<void>;
}

const DEFAULT_GRACE_MS = 10_000;

export function startChild(command: string, args: readonly string[], options: ChildOptions = {}): Child {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: options.stdio ?? 'ignore',
    detached: options.processGroup ?? false,
  });
  let reason: string | undefined;
  const signal = (name: NodeJS.Signals, group: boolean) => {
    if (reason !== undefined || child.pid === undefined) return;
    try {
      if (group) process.kill(-child.pid, name);
      else child.kill(name);
    } catch {
      // Already gone.
    }
  };
  const kill9 = () => signal('SIGKILL', options.processGroup ?? false);
  const forget = killOnExit(options.killAtExit ?? kill9);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, exitSignal) => {
      reason = exitSignal ? `signal ${exitSignal}` : `code ${code}`;
      resolve();
    });
    child.once('error', (error) => {
      reason ??= `spawn error: ${error.message}`;
      resolve();
    });
  }).finally(forget);

  return {
    process: child,
    pid: child.pid ?? -1,
    exited,
    exitReason: () => reason,
    async stop({ signal: first = 'SIGTERM', graceMs = DEFAULT_GRACE_MS } = {}) {
      signal(first, false);
      const timer = setTimeout(kill9, graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill9() {
      kill9();
      await exited;
    },
  };
}
