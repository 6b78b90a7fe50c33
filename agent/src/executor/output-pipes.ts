/**
 * Real pipes for the steps' output. Node makes a child's stdio pipes as
 * socketpairs, and Linux refuses to open a socket through /proc/self/fd
 * (ENXIO): a step writing to `/dev/stdout` or `/dev/stderr` (`echo x >
 * /dev/stderr`, `tee /dev/stderr`) would fail. A FIFO opened at both ends
 * and then unlinked is an anonymous pipe in all but its making.
 *
 * Node cannot make a FIFO: the `mkfifo` program makes them, a batch at a
 * time in a directory of the agent's own (`pipes` in its work dir, see
 * useOutputPipeDirectory(), else a new temporary one), refilled in the
 * background before the batch runs out (a shell needs one per attempt it
 * serves), so that a shell's start waits for `mkfifo` only when a burst used
 * every FIFO made ahead.
 * Where FIFOs cannot be made or opened (no `mkfifo`, a file system without
 * them), the shells fall back to Node's socketpairs.
 *
 * Every FIFO is read into one buffer that the agent shares between them
 * (Node's `onread`), not into a new one per read: reading is the agent's
 * hottest path for a step that prints a lot, and fresh memory for each
 * 64 KiB read cost more than the read. So what a reader hands on is valid
 * only until it returns (listenToOutput()).
 */
import { execFile, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { type OnReadOpts, Socket, type SocketConstructorOpts } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** One output channel: the agent reads `reader`; the shell is given `writeFd`, which the agent closes once it did. */
export interface OutputPipe {
  reader: Socket;
  writeFd: number;
}

/**
 * Writable by others: under --run-as a step opening /dev/stdout opens the
 * agent's FIFO again, as its own user. Not readable by them: a process left
 * behind by an earlier attempt cannot read a later one's output through
 * /proc. The FIFO is unlinked once open, and its directory is the agent's
 * alone (0700).
 */
const fifoMode = '622';

/** FIFOs made per `mkfifo` (a fork of the agent: few, large batches). */
const BATCH = 128;

/** What every FIFO is read into (a pipe holds 64 KiB by default: one read takes what it holds). */
const sharedReadBuffer = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * Every FIFO's reader, with where it hands what it reads. Until someone
 * listens (null) what it reads is dropped: the shell writes to a channel only
 * once its attempt started, and listenToOutput() is called in the same turn.
 */
const fifoListeners = new WeakMap<Readable, ((data: Buffer) => void) | null>();

/**
 * A temporary directory is named `gantry-output-<pid>-…`, after the process
 * that made it, so that a later one can tell it was abandoned (its process
 * was killed before its exit handler could remove it, as test runners kill
 * their workers).
 */
const directoryPrefix = 'gantry-output-';
const directoryName = new RegExp(`^${directoryPrefix}(\\d+)-`);

/**
 * Removes the temporary FIFO directories of processes that are gone; a
 * directory of a process that lives, or that this user may not remove,
 * stays. (A process in another PID namespace sharing the directory may look
 * gone: agents use their work dir's `pipes` instead.)
 */
export function removeAbandonedDirectories(directory = tmpdir()): void {
  for (const name of readdirSync(directory)) {
    const pid = Number(directoryName.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isSafeInteger(pid) || pid === process.pid || processLives(pid)) continue;
    try {
      rmSync(join(directory, name), { recursive: true, force: true });
    } catch {
      // another user's, or removed meanwhile
    }
  }
}

function processLives(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Names FIFOs across reserves: a refill still under way for a dropped reserve never takes a later one's name. */
let fifosNamed = 0;

/** The directories FIFOs were made in, removed when the process exits. */
const madeDirectories = new Set<string>();

function removeAtExit(directory: string): void {
  if (madeDirectories.size === 0) {
    process.once('exit', () => {
      for (const made of madeDirectories) rmSync(made, { recursive: true, force: true });
    });
  }
  madeDirectories.add(directory);
}

class FifoReserve {
  readonly #directory: string;
  readonly #made: string[] = [];
  #refilling = false;

  /** In `directory`, emptied first (an earlier agent's, killed before it removed it), or in a new temporary one. */
  constructor(directory: string | undefined) {
    if (directory) {
      rmSync(directory, { recursive: true, force: true });
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      this.#directory = directory;
    } else {
      removeAbandonedDirectories();
      this.#directory = mkdtempSync(join(tmpdir(), `${directoryPrefix}${process.pid}-`));
    }
    removeAtExit(this.#directory);
  }

  /** A FIFO's path; throws when `mkfifo` cannot make one. */
  take(): string {
    if (this.#made.length === 0) {
      const paths = this.#names();
      const made = spawnSync('mkfifo', ['-m', fifoMode, '--', ...paths], { stdio: ['ignore', 'ignore', 'pipe'] });
      if (made.status !== 0) {
        const why = made.error?.message ?? made.stderr.toString().trim().split('\n')[0];
        throw new Error(`mkfifo failed: ${why || `exit status ${made.status}`}`);
      }
      this.#made.push(...paths);
    }
    if (this.#made.length <= BATCH / 2) this.#refill();
    return this.#made.pop() as string;
  }

  #refill(): void {
    if (this.#refilling) return;
    this.#refilling = true;
    const paths = this.#names();
    execFile('mkfifo', ['-m', fifoMode, '--', ...paths], (error) => {
      this.#refilling = false;
      if (!error) this.#made.unshift(...paths);
    });
  }

  #names(): string[] {
    return Array.from({ length: BATCH }, () => join(this.#directory, String(fifosNamed++)));
  }
}

let reserve: FifoReserve | undefined;
/** Where the next reserve makes its FIFOs (useOutputPipeDirectory); a new temporary directory when unset. */
let reserveDirectory: string | undefined;
/** Set once FIFOs could not be made or opened here: socketpairs from then on, without trying again. */
let unavailable = false;
/** Told once, when this process gives FIFOs up (see onOutputPipesUnavailable). */
let unavailableListener: ((reason: string) => void) | undefined;

/**
 * Makes the FIFOs from now on in `directory` (the agent's work dir has one),
 * created 0700 when first needed after emptying what it held: an agent
 * killed before it could remove its FIFOs leaves them to the next agent of
 * its work dir, and no other agent's are ever in it.
 */
export function useOutputPipeDirectory(directory: string): void {
  if (reserveDirectory === directory) return;
  reserveDirectory = directory;
  reserve = undefined;
}

/**
 * `listener` is told why, should this process give FIFOs up (once: it does
 * not try again). The agent logs it: from then on steps cannot open
 * /dev/stdout or /dev/stderr. A later call replaces the listener.
 */
export function onOutputPipesUnavailable(listener: (reason: string) => void): void {
  unavailableListener = listener;
}

/**
 * `count` pipes, or undefined when this host cannot make or open FIFOs (the
 * caller uses socketpairs then: a step can still run, only not open
 * /dev/stdout).
 */
export function openOutputPipes(count: number): OutputPipe[] | undefined {
  if (unavailable) return undefined;
  const pipes: OutputPipe[] = [];
  try {
    reserve ??= new FifoReserve(reserveDirectory);
    for (let index = 0; index < count; index++) pipes.push(openFifo(reserve.take()));
    return pipes;
  } catch (error) {
    closeOutputPipes(pipes);
    unavailable = true;
    unavailableListener?.((error as Error).message);
    return undefined;
  }
}

/**
 * Opens both ends: the reading end first without blocking, so that opening
 * the writing end (blocking, as a step's writes must be) returns at once.
 */
function openFifo(path: string): OutputPipe {
  const fds: number[] = [];
  try {
    fds.push(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
    fds.push(openSync(path, constants.O_WRONLY));
    unlinkSync(path);
  } catch (error) {
    for (const fd of fds) closeSync(fd);
    throw error;
  }
  const [readFd, writeFd] = fds as [number, number];
  const options: SocketConstructorOpts & { onread: OnReadOpts } = {
    fd: readFd,
    readable: true,
    writable: false,
    onread: {
      buffer: () => sharedReadBuffer,
      callback: (bytes) => {
        fifoListeners.get(reader)?.(sharedReadBuffer.subarray(0, bytes));
        return true;
      },
    },
  };
  // Node's Socket takes `onread` (documented), its type definitions only for connect().
  const reader = new Socket(options);
  fifoListeners.set(reader, null);
  return { reader, writeFd };
}

/**
 * Hands each piece of a channel's output to `listener`, in order. A piece
 * read from a FIFO is a view of the buffer all FIFOs are read into: it is
 * valid only during the call, so the listener copies what it keeps. Pausing
 * and resuming the channel works as for any stream.
 */
export function listenToOutput(channel: Readable, listener: (data: Buffer) => void): void {
  if (!fifoListeners.has(channel)) {
    channel.on('data', listener);
    return;
  }
  fifoListeners.set(channel, listener);
}

/** Closes the agent's writing ends (after the spawn gave the shell its own). */
export function closeWriteEnds(pipes: readonly OutputPipe[]): void {
  for (const pipe of pipes) closeSync(pipe.writeFd);
}

function closeOutputPipes(pipes: readonly OutputPipe[]): void {
  closeWriteEnds(pipes);
  for (const pipe of pipes) pipe.reader.destroy();
}
