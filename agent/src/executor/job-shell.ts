/**
 * A long-lived shell runs an attempt's steps (see step-command.ts): a shell
 * of the attempt's own, or one a ShellPool keeps between attempts (then the
 * agent forks nothing for the attempt); a step is one exec of
 * `bash -eo pipefail -c STEP` forked from that small shell.
 *
 * Output: the steps' stdout and stderr share the attempt's output channel
 * (exact interleaving);
 * after each step the shell writes a step-end marker carrying the exit status
 * and the step's process group into the same stream, so the split between
 * steps is exact. Markers are stripped; output goes to the running step's
 * sink (and, if an escaped background process writes after its step ended, to
 * that step's sink until the next step starts). While the sink is full the
 * pipe is paused.
 *
 * Every step runs in a process group of its own. When a step's shell exits,
 * whatever it left behind in its group is sent SIGTERM, waited for (zombies do
 * not count) and SIGKILLed after `killGraceMs`: no background child outlives
 * its step, and the next step starts only then. A stop (abort, the step's
 * timeout) sends SIGTERM to the step's whole group (through the job shell,
 * which knows the group without a race), then SIGKILL after `killGraceMs`;
 * reason "killed" (lost lease, agent stop) sends SIGKILL at once, and so does
 * kill(), even during the grace of an earlier stop. Should the
 * job shell itself die or stop answering, its whole session is SIGKILLed.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { exportable } from './exportable-variables.js';
import { listenToOutput } from './output-pipes.js';
import { groupAlive, killSession, signalGroup } from './process-groups.js';
import type { ShellPool } from './shell-pool.js';
import { SlotShell } from './slot-shell.js';
import { jobShellVariables, parentDeathGuardAvailable } from './step-command.js';
import { type StepEnd, StepMarkerParser } from './step-markers.js';

/** setTimeout's limit; a longer delay would fire at once. Longer timeouts are clamped to it (~24.8 days). */
export const maxTimerMs = 2 ** 31 - 1;

/** Where output goes; LogStreamer fits this shape. */
export interface OutputSink {
  /**
   * `data` is valid only during the call (output pipes are read into a shared
   * buffer): a sink copies what it keeps. false = full: the executor pauses
   * the pipe until drain() resolves.
   */
  write(data: Buffer): boolean;
  drain(): Promise<void>;
}

/** Why a step was stopped from outside; passed as the AbortSignal's reason. */
export type StopReason = 'timed_out' | 'canceled' | 'killed';

export interface StepOutcome {
  /** Exit status; 128 + signal number when the step's shell died of a signal. */
  exitCode: number;
  /** Set when the step was stopped by abort or timeout rather than exiting by itself. */
  stopped?: StopReason;
  /** What stopped it first: the step's own `timeoutMs` or the abort signal. */
  stoppedBy?: 'timeout' | 'signal';
  /** The step shell's pid, which is also its process group id (0 if it never started). */
  pid: number;
}

export class StepSpawnError extends Error {
  override name = 'StepSpawnError';
  readonly code = 'STEP_SPAWN_FAILED';
}

export interface JobShellOptions {
  cwd: string;
  env: Record<string, string>;
  /** Run the shell and its steps as this user (--run-as; the agent must be root). */
  user?: { uid: number; gid: number };
  /** SIGTERM → SIGKILL grace for a step's process group. Default 10 s. */
  killGraceMs?: number;
  /**
   * Kill the running step's process group when the agent process dies (setpriv
   * parent-death signal). Default: whenever the host supports it.
   */
  dieWithAgent?: boolean;
  /**
   * Take a shell from this pool and give it back after the attempt (no fork
   * per attempt). Not for an environment a pooled shell cannot export exactly
   * (see exportable()): such an attempt gets a shell of its own.
   */
  pool?: ShellPool;
}

export interface JobStepOptions {
  command: string;
  sink: OutputSink;
  /** Aborting stops the step; a StopReason as `signal.reason` is echoed in the outcome. */
  signal?: AbortSignal;
  /** 0 or absent = no timeout. Expiry stops the step with reason "timed_out". */
  timeoutMs?: number;
  /**
   * Another step of the attempt may follow: a pooled shell starts that step's
   * process once this one ends (see step-command.ts). Default false.
   */
  more?: boolean;
}

/** After SIGKILL was asked for, how long the job shell may take to report before it is given up. */
const unresponsiveShellMs = 1000;

interface RunningStep {
  sink: OutputSink;
  resolve: (outcome: StepOutcome) => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  stopped?: StopReason;
  stoppedBy?: StepOutcome['stoppedBy'];
  /** A stop was forwarded to the job shell. */
  stopping: boolean;
  /** The step-end marker (the step's shell exited). */
  ended?: StepEnd;
  timeoutTimer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
  giveUpTimer?: NodeJS.Timeout;
  pollTimer?: NodeJS.Timeout;
}

export class JobShell {
  readonly #options: JobShellOptions;
  readonly #killGraceMs: number;
  #shell: SlotShell | undefined;
  /** The attempt's output channel. */
  #channel: Readable | undefined;
  /** The shell came from the pool (and goes back to it if it can). */
  #pooled = false;
  /** Given back to the pool: the shell's fate is no longer this attempt's. */
  #detached = false;
  #step: RunningStep | undefined;
  /** Where output goes now: the running step's sink, or the last one's. */
  #sink: OutputSink | undefined;
  #paused = false;
  #failure: Error | undefined;
  /** The shell's exit status (128 + N for a signal), once it exited. */
  #exitStatus: number | undefined;
  #closed = false;
  #closeWaiters: Array<() => void> = [];
  #closing: Promise<void> | undefined;

  constructor(options: JobShellOptions) {
    this.#options = options;
    this.#killGraceMs = options.killGraceMs ?? 10_000;
  }

  /** Process id (and process group, and session) of the job shell; 0 before the first step. */
  get pid(): number {
    return this.#shell?.pid ?? 0;
  }

  /**
   * Runs one step to its end (and its leftovers' end). One step at a time.
   * Rejects with StepSpawnError when the shell cannot be started.
   */
  runStep(options: JobStepOptions): Promise<StepOutcome> {
    const { command, sink, signal, timeoutMs = 0, more = false } = options;
    if (this.#step) return Promise.reject(new Error('a step is already running'));
    if (signal?.aborted) {
      return Promise.resolve({
        exitCode: 128 + constants.signals.SIGTERM,
        stopped: stopReasonOf(signal),
        stoppedBy: 'signal',
        pid: 0,
      });
    }
    if (command.includes('\0')) return Promise.reject(new StepSpawnError('a step command cannot contain a NUL byte'));
    if (this.#closing) return Promise.reject(new Error('job shell closed'));
    let shell: SlotShell;
    try {
      shell = this.#shell ?? this.#attach();
    } catch (error) {
      // Refused before a process was made (e.g. a NUL byte in the environment).
      this.#failure ??= new StepSpawnError(`cannot start the job shell: ${(error as Error).message}`, { cause: error });
      return Promise.reject(this.#failure);
    }
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<StepOutcome>((resolve, reject) => {
      const step: RunningStep = {
        sink,
        resolve,
        reject,
        signal,
        onAbort: () => this.#stop(step, stopReasonOf(signal), 'signal'),
        stopping: false,
      };
      this.#step = step;
      this.#sink = sink;
      if (this.#exitStatus !== undefined) {
        // The shell died between steps (killed from outside): the step fails with its status.
        this.#finish(step, { exitCode: this.#exitStatus || 1, pgid: 0, leftovers: false });
        return;
      }
      signal?.addEventListener('abort', step.onAbort, { once: true });
      if (timeoutMs > 0) {
        step.timeoutTimer = setTimeout(() => this.#stop(step, 'timed_out', 'timeout'), Math.min(timeoutMs, maxTimerMs));
      }
      shell.runCommand(command, more);
    });
  }

  /**
   * Kills the running step's process group at once (SIGKILL, no grace), even
   * one already stopped and within its SIGTERM grace: the abort signal fires
   * only once, so a lost lease or an agent stop after a cancel or a timeout
   * comes through here. The step keeps the reason it was stopped for first
   * ("killed" if none). Does nothing between steps.
   */
  kill(): void {
    const step = this.#step;
    if (step) this.#stop(step, 'killed', 'signal');
  }

  /**
   * Ends the shell: stops a running step at once, closes the shell's input and
   * waits until it has exited and its output is read. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const shell = this.#shell;
      if (!shell) return;
      if (this.#step) this.#stop(this.#step, 'killed', 'signal');
      const pool = this.#options.pool;
      if (this.#pooled && pool && !this.#step && shell.reusable) {
        // The shell closes this attempt's channel and serves the next one; whatever still holds the channel was left behind.
        shell.detach();
        this.#detached = true;
        this.#unlisten(shell);
        pool.release(shell);
        await this.#waitClosed(true);
        return;
      }
      if (this.#pooled && pool) pool.retire(shell);
      else shell.end();
      await this.#waitClosed(false);
    })();
    return this.#closing;
  }

  /** Gets the attempt a shell (pooled or its own) and opens its output channel. */
  #attach(): SlotShell {
    const { cwd, env, user, pool } = this.#options;
    const entries = Object.entries(env);
    if (entries.some(([name, value]) => name.includes('\0') || value.includes('\0')))
      throw new Error('an environment variable contains a NUL byte');
    // A pooled shell exports its pool's variables to every step: only an attempt that has them all fits it.
    const shared = pool?.environment ?? {};
    const pooled =
      pool !== undefined && Object.keys(env).every(exportable) && Object.keys(shared).every((name) => name in env);
    const shell = pooled
      ? pool.acquire()
      : new SlotShell({
          env,
          cwd,
          ...(user ? { user } : {}),
          dieWithAgent: this.#options.dieWithAgent ?? parentDeathGuardAvailable(),
          channels: 1,
          pooled: false,
        });
    this.#shell = shell;
    this.#pooled = pooled;
    this.#exitStatus = shell.exitStatus;
    const marker = `\x1egantry-step-end:${randomBytes(12).toString('hex')}:`;
    // What the shell exports already with the same value, each step need not export again;
    // a shell of its own exports the attempt's environment, but not its variables that the
    // shell uses itself (and unsets in each step's process).
    const own = pooled
      ? entries.filter(([name, value]) => shared[name] !== value)
      : entries.filter(([name]) => jobShellVariables.includes(name));
    const channel = shell.openAttempt({ marker, cwd, exports: own.map(([name, value]) => `${name}=${value}`) });
    this.#channel = channel;
    const parser = new StepMarkerParser(marker, {
      output: (data) => this.#output(data),
      stepEnd: (end) => this.#stepEnded(end),
    });
    listenToOutput(channel, (data) => parser.push(data));
    channel.once('end', () => parser.flush());
    const closed = () => {
      this.#markClosed();
      const step = this.#step;
      if (step && !step.ended) this.#finish(step, { exitCode: this.#exitStatus || 1, pgid: 0, leftovers: false });
    };
    // The channel can close before Node reports the shell's exit: its status is wanted then.
    const onClose = () => {
      const running = shell.process.exitCode === null && shell.process.signalCode === null;
      if (this.#exitStatus === undefined && !this.#detached && !this.#failure && running)
        shell.process.once('exit', closed);
      else closed();
    };
    shell.process.once('error', this.#onError);
    shell.process.once('exit', this.#onExit);
    // Closed already: the shell died before it was handed out (after #onExit, which records its status).
    if (channel.closed) onClose();
    else channel.once('close', onClose);
    if (shell.startError) this.#onError(shell.startError);
    return shell;
  }

  readonly #onError = (error: Error): void => {
    this.#failure = new StepSpawnError(`cannot start ${this.#shell?.file}: ${error.message}`, { cause: error });
    this.#markClosed();
    const step = this.#step;
    if (step) {
      this.#clearStep(step);
      step.reject(this.#failure);
    }
  };

  readonly #onExit = (code: number | null, signalName: NodeJS.Signals | null): void => {
    this.#exitStatus = code ?? 128 + (signalName ? constants.signals[signalName] : 0);
    const step = this.#step;
    if (step && !step.ended) {
      // The shell died under a running step (killed from outside): its step may live on, orphaned.
      killSession(this.pid);
      const channel = this.#channel;
      step.giveUpTimer ??= setTimeout(() => channel?.destroy(), unresponsiveShellMs);
    }
  };

  /** The shell serves other attempts from now on: its fate is no longer this attempt's. */
  #unlisten(shell: SlotShell): void {
    shell.process.off('error', this.#onError);
    shell.process.off('exit', this.#onExit);
  }

  #output(data: Buffer): void {
    const sink = this.#sink;
    if (!sink || sink.write(data) || this.#paused) return;
    const stdout = this.#channel;
    if (!stdout) return;
    this.#paused = true;
    stdout.pause();
    void sink.drain().then(() => {
      this.#paused = false;
      stdout.resume();
    });
  }

  /** The step's shell exited: deal with what it left in its group, then report. */
  #stepEnded(end: StepEnd): void {
    const step = this.#step;
    if (!step || step.ended) return;
    step.ended = end;
    clearTimeout(step.timeoutTimer);
    clearTimeout(step.giveUpTimer);
    if (!end.leftovers) {
      this.#finish(step, end);
      return;
    }
    // Background processes outlived the step's shell (the job shell sent them SIGTERM): SIGKILL after the grace.
    if (!step.stopping) step.killTimer = setTimeout(() => signalGroup(end.pgid, 'SIGKILL'), this.#killGraceMs);
    this.#finishWhenGroupGone(step, 1);
  }

  #finishWhenGroupGone(step: RunningStep, delayMs: number): void {
    const end = step.ended as StepEnd;
    if (!groupAlive(end.pgid)) {
      this.#finish(step, end);
      return;
    }
    step.pollTimer = setTimeout(() => this.#finishWhenGroupGone(step, Math.min(delayMs * 2, 50)), delayMs);
  }

  #stop(step: RunningStep, reason: StopReason, by: NonNullable<StepOutcome['stoppedBy']>): void {
    if (this.#step !== step) return;
    step.stopped ??= reason;
    step.stoppedBy ??= by;
    if (reason === 'killed') {
      clearTimeout(step.killTimer);
      this.#killNow(step);
      return;
    }
    if (step.stopping) return;
    step.stopping = true;
    if (step.ended) return; // its leftovers were sent SIGTERM already and have their grace
    this.#signalShell('SIGTERM');
    step.killTimer = setTimeout(() => this.#killNow(step), this.#killGraceMs);
  }

  /** SIGKILL for the step's group: directly once its pgid is known, else through the shell. */
  #killNow(step: RunningStep): void {
    step.stopping = true;
    if (step.ended) {
      signalGroup(step.ended.pgid, 'SIGKILL');
      return;
    }
    this.#signalShell('SIGUSR1');
    step.giveUpTimer ??= setTimeout(() => this.#giveUp(step), unresponsiveShellMs);
  }

  /** The shell did not report the step after SIGKILL was asked for: kill its whole session. */
  #giveUp(step: RunningStep): void {
    const pid = this.pid;
    if (this.#step !== step || step.ended || !pid) return;
    if (this.#exitStatus === undefined) signalGroup(pid, 'SIGKILL');
    killSession(pid);
    // Stop waiting for processes that left the session but hold the pipe.
    this.#channel?.destroy();
    this.#finish(step, { exitCode: 128 + constants.signals.SIGKILL, pgid: 0, leftovers: false });
  }

  #signalShell(signalName: NodeJS.Signals): void {
    const shell = this.#shell;
    if (!shell || this.#exitStatus !== undefined) return;
    // Signals are sticky in the shell: it serves no other attempt.
    shell.spent = true;
    const pid = shell.pid;
    try {
      process.kill(pid, signalName);
    } catch {
      // gone: 'exit' deals with it
    }
  }

  #finish(step: RunningStep, end: StepEnd): void {
    if (this.#step !== step) return;
    this.#clearStep(step);
    step.resolve({ exitCode: end.exitCode, stopped: step.stopped, stoppedBy: step.stoppedBy, pid: end.pgid });
  }

  #clearStep(step: RunningStep): void {
    clearTimeout(step.timeoutTimer);
    clearTimeout(step.killTimer);
    clearTimeout(step.giveUpTimer);
    clearTimeout(step.pollTimer);
    step.signal?.removeEventListener('abort', step.onAbort);
    this.#step = undefined;
  }

  #markClosed(): void {
    this.#closed = true;
    for (const wake of this.#closeWaiters.splice(0)) wake();
  }

  /** Until the channel is closed; `detached`: the shell let go of it already. */
  #waitClosed(detached: boolean): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const channel = this.#channel;
    // Once the shell has exited (or detached), stop waiting for escaped processes that still hold the channel.
    const destroyLater = () => setTimeout(() => channel?.destroy(), unresponsiveShellMs);
    let timer: NodeJS.Timeout | undefined;
    if (detached || this.#exitStatus !== undefined) timer = destroyLater();
    else this.#shell?.process.once('exit', () => (timer = destroyLater()));
    return new Promise<void>((resolve) => {
      this.#closeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export type StepOptions = JobStepOptions & JobShellOptions;

/** Runs one step in a job shell of its own: `bash -eo pipefail -c <command>` with the semantics above. */
export async function runStep(options: StepOptions): Promise<StepOutcome> {
  const shell = new JobShell(options);
  try {
    return await shell.runStep(options);
  } finally {
    await shell.close();
  }
}

function stopReasonOf(signal: AbortSignal | undefined): StopReason {
  const reason = signal?.reason;
  return reason === 'timed_out' || reason === 'canceled' ? reason : 'killed';
}
