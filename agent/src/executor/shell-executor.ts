/**
 * Runs one step as `bash -eo pipefail -c <command>` in its own process group
 * (see step-command.ts; where the host allows it, the group also dies with the
 * agent, even on SIGKILL). stderr shares stdout's pipe, so the sink sees output
 * in the order it was written; while the sink is full the pipe is paused. When
 * the step's shell exits, or when it is stopped (abort/timeout), the whole group
 * is signalled: SIGTERM, then SIGKILL after `killGraceMs` — no background child
 * outlives its step. Reason "killed" (lost lease, agent stop) sends SIGKILL at once.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { parentDeathGuardAvailable, stepCommand } from './step-command.js';

/** setTimeout's limit; a longer delay would fire at once. Longer timeouts are clamped to it (~24.8 days). */
export const maxTimerMs = 2 ** 31 - 1;

/** Where output goes; LogStreamer fits this shape. */
export interface OutputSink {
  /** false = full: the executor pauses the pipes until drain() resolves. */
  write(data: Buffer): boolean;
  drain(): Promise<void>;
}

/** Why a step was stopped from outside; passed as the AbortSignal's reason. */
export type StopReason = 'timed_out' | 'canceled' | 'killed';

export interface StepOptions {
  command: string;
  cwd: string;
  env: Record<string, string>;
  sink: OutputSink;
  /** Aborting stops the step; a StopReason as `signal.reason` is echoed in the outcome. */
  signal?: AbortSignal;
  /** 0 or absent = no timeout. Expiry stops the step with reason "timed_out". */
  timeoutMs?: number;
  /** SIGTERM → SIGKILL grace for the process group. Default 10 s. */
  killGraceMs?: number;
  /**
   * Kill the step's process group when the agent process dies (setpriv
   * parent-death signal). Default: whenever the host supports it.
   */
  dieWithAgent?: boolean;
}

export interface StepOutcome {
  /** Exit status; 128 + signal number when the shell died of a signal. */
  exitCode: number;
  /** Set when the step was stopped by abort or timeout rather than exiting by itself. */
  stopped?: StopReason;
  /** What stopped it first: the step's own `timeoutMs` or the abort signal. */
  stoppedBy?: 'timeout' | 'signal';
  /** The shell's pid, which is also its process group id. */
  pid: number;
}

export class StepSpawnError extends Error {
  override name = 'StepSpawnError';
  readonly code = 'STEP_SPAWN_FAILED';
}

export function runStep(options: StepOptions): Promise<StepOutcome> {
  const { command, cwd, env, sink, signal, timeoutMs = 0, killGraceMs = 10_000 } = options;
  const dieWithAgent = options.dieWithAgent ?? parentDeathGuardAvailable();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      resolve({
        exitCode: 128 + constants.signals.SIGTERM,
        stopped: stopReasonOf(signal),
        stoppedBy: 'signal',
        pid: 0,
      });
      return;
    }
    const { file, args } = stepCommand(command, dieWithAgent);
    // detached = setsid(): the step leads a new process group (and session).
    const child = spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    const streams = [child.stdout, child.stderr];
    let stopped: StopReason | undefined;
    let stoppedBy: StepOutcome['stoppedBy'];
    let killTimer: NodeJS.Timeout | undefined;
    let timeoutTimer: NodeJS.Timeout | undefined;

    const terminateGroup = () => {
      if (pid === undefined || killTimer) return;
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => {
        signalGroup(pid, 'SIGKILL');
        // A process that left the group (setsid) may still hold a pipe open; stop waiting for it.
        killTimer = setTimeout(() => {
          for (const s of streams) s?.destroy();
        }, 1000);
      }, killGraceMs);
    };
    const stop = (reason: StopReason, by: NonNullable<StepOutcome['stoppedBy']>) => {
      stopped ??= reason;
      stoppedBy ??= by;
      if (reason === 'killed' && pid !== undefined) signalGroup(pid, 'SIGKILL');
      terminateGroup();
    };
    const onAbort = () => stop(stopReasonOf(signal), 'signal');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs > 0) timeoutTimer = setTimeout(() => stop('timed_out', 'timeout'), Math.min(timeoutMs, maxTimerMs));

    pipeWithBackpressure(streams, sink);

    let exitCode: number | undefined;
    child.once('error', (error) => {
      cleanup();
      reject(new StepSpawnError(`cannot start ${file}: ${error.message}`, { cause: error }));
    });
    // 'exit' = the shell is gone; background children may still hold the pipes.
    child.once('exit', (code, signalName) => {
      exitCode = code ?? 128 + (signalName ? constants.signals[signalName] : 0);
      terminateGroup();
    });
    // 'close' = both pipes reached EOF: every process of the group is gone or closed them.
    child.once('close', () => {
      cleanup();
      resolve({ exitCode: exitCode ?? 1, stopped, stoppedBy, pid: pid ?? 0 });
    });

    function cleanup() {
      clearTimeout(killTimer);
      clearTimeout(timeoutTimer);
      signal?.removeEventListener('abort', onAbort);
      if (pid !== undefined) signalGroup(pid, 'SIGKILL');
    }
  });
}

/** Sends a signal to a whole process group; a group that is already gone is fine. */
export function signalGroup(pgid: number, signalName: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signalName);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

function stopReasonOf(signal: AbortSignal | undefined): StopReason {
  const reason = signal?.reason;
  return reason === 'timed_out' || reason === 'canceled' ? reason : 'killed';
}

/** Merges the pipes into the sink; pauses both while the sink is full. */
function pipeWithBackpressure(streams: Array<Readable | null>, sink: OutputSink): void {
  let waiting = false;
  const onData = (data: Buffer) => {
    if (sink.write(data) || waiting) return;
    waiting = true;
    for (const s of streams) s?.pause();
    void sink.drain().then(() => {
      waiting = false;
      for (const s of streams) s?.resume();
    });
  };
  for (const s of streams) s?.on('data', onData);
}
