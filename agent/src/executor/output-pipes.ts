/**
 * Real pipes for the steps' output. Node makes a child's stdio pipes as
 * socketpairs, and Linux refuses to open a socket through /proc/self/fd
 * (ENXIO): a step writing to `/dev/stdout` or `/dev/stderr` (`echo x >
 * /dev/stderr`, `tee /dev/stderr`) would fail. A FIFO opened at both ends
 * and then unlinked is an anonymous pipe in all but its making.
 *
 * Node cannot make a FIFO: the `mkfifo` program makes them, a batch at a
 * time in a private directory, refilled in the background before the batch
 * runs out (a shell needs one per attempt it serves), so that a shell's
 * start waits for `mkfifo` only when a burst used every FIFO made ahead.
 * Where `mkfifo` is missing, the shells fall back to Node's socketpairs.
 */
import { execFile, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, unlinkSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One output channel: the agent reads `reader`; the shell is given `writeFd`, which the agent closes once it did. */
export interface OutputPipe {
  reader: Socket;
  writeFd: number;
}

/** FIFOs made per `mkfifo` (a fork of the agent: few, large batches). */
const BATCH = 128;

class FifoReserve {
  readonly #directory = mkdtempSync(join(tmpdir(), 'gantry-output-'));
  readonly #made: string[] = [];
  #named = 0;
  #refilling = false;

  constructor() {
    process.once('exit', () => rmSync(this.#directory, { recursive: true, force: true }));
  }

  /** A FIFO's path, or undefined when `mkfifo` cannot make one. */
  take(): string | undefined {
    if (this.#made.length === 0) {
      const paths = this.#names();
      if (spawnSync('mkfifo', ['-m', '600', '--', ...paths], { stdio: 'ignore' }).status !== 0) return undefined;
      this.#made.push(...paths);
    }
    if (this.#made.length <= BATCH / 2) this.#refill();
    return this.#made.pop();
  }

  #refill(): void {
    if (this.#refilling) return;
    this.#refilling = true;
    const paths = this.#names();
    execFile('mkfifo', ['-m', '600', '--', ...paths], (error) => {
      this.#refilling = false;
      if (!error) this.#made.unshift(...paths);
    });
  }

  #names(): string[] {
    return Array.from({ length: BATCH }, () => join(this.#directory, String(this.#named++)));
  }
}

let reserve: FifoReserve | undefined;

/** `count` pipes, or undefined when this host cannot make FIFOs (the caller uses socketpairs then). */
export function openOutputPipes(count: number): OutputPipe[] | undefined {
  reserve ??= new FifoReserve();
  const pipes: OutputPipe[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const path = reserve.take();
      if (path === undefined) {
        closeOutputPipes(pipes);
        return undefined;
      }
      pipes.push(openFifo(path));
    }
    return pipes;
  } catch (error) {
    closeOutputPipes(pipes);
    throw error;
  }
}

/**
 * Opens both ends: the reading end first without blocking, so that opening
 * the writing end (blocking, as a step's writes must be) returns at once.
 */
function openFifo(path: string): OutputPipe {
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  let writeFd: number;
  try {
    writeFd = openSync(path, constants.O_WRONLY);
  } catch (error) {
    closeSync(readFd);
    throw error;
  } finally {
    unlinkSync(path);
  }
  return { reader: new Socket({ fd: readFd, readable: true, writable: false }), writeFd };
}

/** Closes the agent's writing ends (after the spawn gave the shell its own). */
export function closeWriteEnds(pipes: readonly OutputPipe[]): void {
  for (const pipe of pipes) closeSync(pipe.writeFd);
}

function closeOutputPipes(pipes: readonly OutputPipe[]): void {
  closeWriteEnds(pipes);
  for (const pipe of pipes) pipe.reader.destroy();
}
