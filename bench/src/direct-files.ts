/**
 * Diagnostics of the artifacts scenario: the same bytes moved by a plain
 * streamed file copy (1 MiB buffers, as Gantry's transfers use) on the same
 * disk (the directory the farm's temp dirs live in), as the disk store's PUT
 * and GET would move them with no HTTP, no signature and no SHA-256; and the
 * machine's SHA-256 rate, which the agent pays on both transfers.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
/** The buffers Gantry's own transfers use (disk store and agent): a fair copy is as well tuned. */
const streamBuffer = { highWaterMark: 1024 * 1024 };

export interface FileCopyTimes {
  /** Producer's file → a file in the "store" directory, ms. */
  putMs: number;
  /** The stored file → a file in a "workspace" directory, ms. */
  getMs: number;
  /** SHA-256 of the stored file, read from the page cache, ms. */
  sha256Ms: number;
}

/**
 * Writes `bytes` of `/dev/urandom` to a file in a fresh temporary directory
 * (with the same command the producing job runs), hands both to `work`, and
 * removes the directory afterwards.
 */
export async function withProducedFile<T>(bytes: number, work: (dir: string, file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-bench-files-'));
  try {
    const produced = join(dir, 'big.bin');
    await execFileAsync('bash', ['-eo', 'pipefail', '-c', `head -c ${bytes} /dev/urandom > ${produced}`]);
    return await work(dir, produced);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Times a streamed copy of `produced` into a "store" file in `dir` and back out into a "workspace" file. */
export async function timeFileCopies(dir: string, produced: string): Promise<FileCopyTimes> {
  const stored = join(dir, 'store-big.bin');
  const received = join(dir, 'workspace-big.bin');
  const copy = (from: string, to: string) =>
    pipeline(createReadStream(from, streamBuffer), createWriteStream(to, streamBuffer));
  await syncDisks();
  const putMs = await timed(() => copy(produced, stored));
  await syncDisks();
  const getMs = await timed(() => copy(stored, received));
  const [size, expected] = [(await stat(received)).size, (await stat(produced)).size];
  if (size !== expected) throw new Error(`direct copy received ${size} bytes, not ${expected}`);
  const sha256Ms = await timed(() => pipeline(createReadStream(stored, streamBuffer), createHash('sha256')));
  await Promise.all([rm(stored), rm(received)]);
  return { putMs, getMs, sha256Ms };
}

/** Lets the kernel write back what earlier transfers left dirty, so that it does not slow the next one. */
export async function syncDisks(): Promise<void> {
  await execFileAsync('sync');
}

export async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
