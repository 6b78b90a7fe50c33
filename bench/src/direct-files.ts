/**
 * Baselines of the artifacts scenario: the same bytes moved by a plain
 * streamed file copy (1 MiB buffers, as Gantry's transfers use) on the same disk (the directory the farm's temp dirs
 * live in), as the disk store's PUT and GET would move them with no HTTP,
 * no signature and no SHA-256. Also the machine's SHA-256 rate, which the
 * agent pays on both transfers.
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
 * Writes `bytes` of `/dev/urandom` to a file (with the same command the
 * producing job runs), then times a streamed copy into a store directory and
 * back out into a workspace directory. Everything is removed afterwards.
 */
export async function timeFileCopies(bytes: number): Promise<FileCopyTimes> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-bench-files-'));
  try {
    const produced = join(dir, 'big.bin');
    await execFileAsync('bash', ['-eo', 'pipefail', '-c', `head -c ${bytes} /dev/urandom > ${produced}`]);
    const stored = join(dir, 'store-big.bin');
    const received = join(dir, 'workspace-big.bin');
    const copy = (from: string, to: string) =>
      pipeline(createReadStream(from, streamBuffer), createWriteStream(to, streamBuffer));
    const putMs = await timed(() => copy(produced, stored));
    const getMs = await timed(() => copy(stored, received));
    const size = (await stat(received)).size;
    if (size !== bytes) throw new Error(`direct copy received ${size} bytes, not ${bytes}`);
    const sha256Ms = await timed(() => pipeline(createReadStream(stored), createHash('sha256')));
    return { putMs, getMs, sha256Ms };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
