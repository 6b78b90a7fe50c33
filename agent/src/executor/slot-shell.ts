/**
 * A job shell process (see step-command.ts) and its pipes: fd 3 carries the
 * agent's records, fd 4 and up are output channels, one per attempt served.
 * A shell started for one attempt has one channel; a pooled shell has
 * several and serves attempts until they are used up (shell-pool.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { closeWriteEnds, openOutputPipes } from './output-pipes.js';
import { killSession } from './process-groups.js';
import { exportWords, jobShellCommand } from './step-command.js';

export interface SlotShellOptions {
  /** The shell's own environment: the attempt's (one attempt), or PATH to find the programs and the pool's exported variables (pooled). */
  env: Record<string, string>;
  cwd: string;
  user?: { uid: number; gid: number };
  dieWithAgent: boolean;
  /** Attempts the shell can serve; the first channel is fd 4. */
  channels: number;
  /** Pooled: the PATH of `env` is not exported to the steps (each attempt exports its own variables, except the pool's). */
  pooled: boolean;
}

/** What the agent tells a shell about an attempt (see the protocol in step-command.ts). */
export interface AttemptRecord {
  marker: string;
  cwd: string;
  /** `NAME=value` entries each step of the attempt exports. */
  exports: readonly string[];
}

/** Shells told to start a step's process ahead so far, in this agent (see SlotShell.aheadOrder). */
let aheadCount = 0;

/** A handle whose hold on the event loop can be dropped while the shell idles. */
interface Reffable {
  ref(): void;
  unref(): void;
}

export class SlotShell {
  readonly process: ChildProcess;
  readonly commands: Writable;
  readonly pooled: boolean;
  /** The program started (for error messages). */
  readonly file: string;
  readonly #channels: Readable[];
  #nextChannel = 0;
  /** Exit status (128 + N for a signal), once the shell exited. */
  exitStatus: number | undefined;
  /** Why the shell could not be started. */
  startError: Error | undefined;
  /** Told to stop a step (signals are sticky in the shell) or ended: never serves another attempt. */
  spent = false;
  /**
   * 0, or when this pooled shell was told to start its next attempt's first
   * step's process (see step-command.ts), in the order of all shells'.
   */
  #aheadOrder = 0;

  /** Throws when Node refuses the spawn before a process exists (e.g. a NUL byte in the environment). */
  constructor(options: SlotShellOptions) {
    const { file, args } = jobShellCommand(options.dieWithAgent, options.channels, options.pooled);
    this.file = file;
    this.pooled = options.pooled;
    // A pooled shell starts one as it starts.
    if (options.pooled) this.#aheadOrder = ++aheadCount;
    // Real pipes where the host can make them (see output-pipes.ts), else Node's socketpairs.
    const pipes = openOutputPipes(options.channels);
    // detached = setsid(): the shell leads a new session and process group.
    // With a user: libuv drops the supplementary groups, then sets gid and uid before exec.
    try {
      this.process = spawn(file, args, {
        cwd: options.cwd,
        env: options.env,
        detached: true,
        stdio: [
          'ignore',
          'ignore',
          'ignore',
          'pipe',
          ...(pipes?.map((pipe) => pipe.writeFd) ?? Array.from({ length: options.channels }, () => 'pipe' as const)),
        ],
        ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
      });
    } catch (error) {
      for (const pipe of pipes ?? []) pipe.reader.destroy();
      throw error;
    } finally {
      if (pipes) closeWriteEnds(pipes);
    }
    this.commands = this.process.stdio[3] as Writable;
    this.#channels = pipes?.map((pipe) => pipe.reader) ?? (this.process.stdio.slice(4) as Readable[]);
    // EPIPE once the shell is gone: 'exit' tells.
    this.commands.on('error', () => {});
    for (const channel of this.#channels) channel.on('error', () => {});
    this.process.once('error', (error) => {
      this.startError = error;
      this.spent = true;
    });
    this.process.once('exit', (code, signalName) => {
      this.exitStatus = code ?? 128 + (signalName ? constants.signals[signalName] : 0);
      this.spent = true;
    });
    // Unused channels never hold the agent's event loop; the one in use does (see openAttempt).
    for (const channel of this.#channels) (channel as unknown as Reffable).unref();
  }

  get pid(): number {
    return this.process.pid ?? 0;
  }

  /**
   * Alive, never told to stop, and with a channel left for another attempt
   * (an unused channel reads until its end, so it closes as soon as the shell
   * dies, which Node may report later).
   */
  get reusable(): boolean {
    const next = this.#channels[this.#nextChannel];
    return (
      !this.spent &&
      this.exitStatus === undefined &&
      this.startError === undefined &&
      next !== undefined &&
      !next.destroyed
    );
  }

  /** A pooled shell whose next attempt's first step will find its process started. */
  get readyAhead(): boolean {
    return this.#aheadOrder > 0;
  }

  /** Orders the shells told to start their process ahead by when they were told: lower, earlier. */
  get aheadOrder(): number {
    return this.#aheadOrder;
  }

  /** Between attempts: a pooled shell starts the next attempt's first step's process now (a fork and an exec of bash). */
  startAhead(): void {
    if (!this.pooled || this.readyAhead || !this.reusable) return;
    this.#aheadOrder = ++aheadCount;
    this.commands.write('ahead\0');
  }

  /** Starts an attempt on the next unused channel and returns the channel to read its output from. */
  openAttempt(record: AttemptRecord): Readable {
    this.#aheadOrder = 0;
    const index = this.#nextChannel++;
    const channel = this.#channels[index];
    if (!channel) throw new Error('job shell has no output channel left');
    (channel as unknown as Reffable).ref();
    // The first step's command follows in the same tick: one write to the shell for both.
    this.commands.cork();
    process.nextTick(() => this.commands.uncork());
    this.commands.write(
      framedRecord('attempt', [String(4 + index), record.marker, record.cwd, exportWords(record.exports)]),
    );
    return channel;
  }

  /** Runs a step of the attempt; `more`: another may follow (a pooled shell then starts its process ahead). */
  runCommand(command: string, more: boolean): void {
    this.commands.write(framedRecord('step', [command, more ? '1' : '']));
  }

  /** The attempt is over: the shell closes its channel (what still holds it was left behind by the attempt). */
  detach(): void {
    this.commands.write('detach\0');
  }

  /**
   * Ends the shell (EOF on its records); it exits once its running step, if
   * any, is done. What its steps left in its session out of their own process
   * groups (`timeout` puts itself in one, and so does `set -m` in a step) is
   * SIGKILLed first, while the shell lives and the session's id is its own.
   */
  end(): void {
    if (this.spent && this.commands.writableEnded) return;
    this.spent = true;
    if (this.exitStatus === undefined && this.startError === undefined) killSession(this.pid, this.pid);
    this.commands.end();
  }

  /** While idle in a pool the shell does not keep the agent's event loop alive. */
  setIdle(idle: boolean): void {
    const handles = [this.process, this.commands as unknown as Reffable];
    for (const handle of handles) {
      if (idle) handle.unref();
      else handle.ref();
    }
  }
}

/** A record of the shell's protocol (step-command.ts): its kind, then its fields in one frame bash reads at once. */
export function framedRecord(kind: string, fields: readonly string[]): Buffer {
  const encoded = fields.map((field) => Buffer.from(field));
  const lengths = Buffer.from(`${encoded.map((field) => field.length).join(' ')}\n`);
  const frameBytes = lengths.length + encoded.reduce((sum, field) => sum + field.length, 0);
  return Buffer.concat([Buffer.from(`${kind}\0${frameBytes}\0`), lengths, ...encoded]);
}
