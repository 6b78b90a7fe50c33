/**
 * Moves the logs of ended attempts out of the database into the artifact
 * store, gzip-compressed. Crash-safe by its order: store the object, record
 * it (log_archives), then delete the rows; a controller that dies in between
 * leaves rows the next sweep finishes (deleting them, or archiving again).
 * Every archiving writes its own key and only the first recorded counts, so
 * two controllers sweeping the same attempt at once (the second may read the
 * rows after the first deleted them) never overwrite the archive that is read;
 * the loser removes its object. Runs as a loop every `intervalMs` until its signal aborts;
 * agents cannot add to an ended attempt's log (every append is fenced by the
 * lease), so an archive is final.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip, gzip } from 'node:zlib';
import { sleep } from '@gantry/common';
import type { Logger } from 'pino';
import type { Database } from '../store/database.js';
import {
  deleteArchivedChunks,
  findUnarchivedAttempts,
  recordLogArchiveDeletingChunks,
  type UnarchivedAttempt,
} from '../store/log-archives-repository.js';
import { readLogPages } from '../store/logs-repository.js';
import { logArchiveKey } from './artifact-keys.js';
import type { ArtifactStore } from './artifact-store.js';

export interface LogArchiverDeps {
  db: Database;
  store: ArtifactStore;
  /** Where the compressed log is staged before it is stored (DATA_DIR/tmp). */
  stagingDir: string;
  log: Logger;
  intervalMs?: number;
}

/** Attempts handled per sweep. */
const batchSize = 20;

const gzipAsync = promisify(gzip);

export class LogArchiver {
  constructor(private readonly deps: LogArchiverDeps) {}

  /** Sweeps until `signal` aborts; a failed sweep is logged and tried again next time. */
  async run(signal: AbortSignal): Promise<void> {
    const intervalMs = this.deps.intervalMs ?? 2_000;
    while (!signal.aborted) {
      try {
        while ((await this.sweep()) === batchSize && !signal.aborted) {}
      } catch (error) {
        this.deps.log.warn({ err: error }, 'log archive sweep failed');
      }
      // sleep() removes its abort listener when it wakes, so the loop adds none for good.
      await sleep(intervalMs, signal);
    }
  }

  /** One pass: archives (or finishes archiving) up to a batch of ended attempts. Returns how many it handled. */
  async sweep(): Promise<number> {
    const attempts = await findUnarchivedAttempts(this.deps.db, batchSize);
    for (const attempt of attempts) await this.archive(attempt);
    return attempts.length;
  }

  /** Archives one attempt as a sweep found it; the rows may be gone by now (another controller archived them). */
  async archive(attempt: UnarchivedAttempt): Promise<void> {
    const { db, store, log } = this.deps;
    if (attempt.archived) {
      await deleteArchivedChunks(db, attempt.jobId, attempt.attempt);
      return;
    }
    const key = logArchiveKey(attempt.runId, attempt.jobId, attempt.attempt, randomUUID());
    const pages = readLogPages(db, attempt.jobId, attempt.attempt, 64);
    const head = await readUpTo(pages, inMemoryMaxBytes);
    const { bytes, storedBytes } = head.ended
      ? await this.storeSmall(key, head.pages)
      : await this.storeStaged(key, head.pages, pages);
    const archive = { jobId: attempt.jobId, attempt: attempt.attempt, key, bytes };
    if (await recordLogArchiveDeletingChunks(db, archive)) {
      log.debug({ jobId: attempt.jobId, attempt: attempt.attempt, bytes, storedBytes }, 'log archived');
    } else {
      await store.removeObjects([key]);
    }
  }

  /** Most logs: compressed in memory and stored from there. */
  private async storeSmall(key: string, pages: Uint8Array[]) {
    const plain = Buffer.concat(pages);
    const compressed = await gzipAsync(plain);
    await this.deps.store.putObject(key, compressed, compressed.length);
    return { bytes: plain.length, storedBytes: compressed.length };
  }

  /** A long log: compressed into a staging file page by page, then stored from it. */
  private async storeStaged(key: string, head: Uint8Array[], rest: AsyncIterable<Uint8Array>) {
    await mkdir(this.deps.stagingDir, { recursive: true, mode: 0o700 });
    const staged = join(this.deps.stagingDir, `${randomUUID()}.log.gz`);
    try {
      let bytes = 0;
      const counted = Readable.from(
        (async function* () {
          for await (const page of followedBy(head, rest)) {
            bytes += page.length;
            yield page;
          }
        })(),
      );
      await pipeline(counted, createGzip(), createWriteStream(staged, { mode: 0o600 }));
      const { size } = await stat(staged);
      await this.deps.store.putObject(key, createReadStream(staged), size);
      return { bytes, storedBytes: size };
    } finally {
      await rm(staged, { force: true });
    }
  }
}

/** Logs up to this size are compressed in memory; longer ones through a staging file. */
const inMemoryMaxBytes = 1024 * 1024;

/** The pages already read, then the rest (which continues where they stopped). */
async function* followedBy(head: Uint8Array[], rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* head;
  yield* rest;
}

/** Reads pages until more than `maxBytes` were read or the pages ended. */
async function readUpTo(pages: AsyncIterator<Uint8Array>, maxBytes: number) {
  const read: Uint8Array[] = [];
  let bytes = 0;
  while (bytes <= maxBytes) {
    const next = await pages.next();
    if (next.done) return { pages: read, ended: true };
    read.push(next.value);
    bytes += next.value.length;
  }
  return { pages: read, ended: false };
}
