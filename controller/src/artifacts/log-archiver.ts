/**
 * Moves the logs of ended attempts out of the database into the artifact
 * store as one gzip stream: the members the rows already hold (see
 * log-chunk-codec.ts) and the rest compressed here. Crash-safe by its order:
 * store the object, record it (log_archives), then delete the rows; a
 * controller that dies in between leaves rows the next sweep finishes
 * (deleting them, or archiving again). Every archiving writes its own key and
 * only the first recorded counts, so two controllers sweeping the same
 * attempt at once (the second may read the rows after the first deleted them)
 * never overwrite the archive that is read; the loser removes its object.
 * Runs as a loop every `intervalMs` until its signal aborts; agents cannot add
 * to an ended attempt's log (every append is fenced by the lease), so an
 * archive is final.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import { sleep } from '@gantry/common';
import type { Logger } from 'pino';
import type { Database } from '../store/database.js';
import {
  deleteArchivedChunks,
  findUnarchivedAttempts,
  recordLogArchiveDeletingChunks,
  type UnarchivedAttempt,
} from '../store/log-archives-repository.js';
import type { StoredLogChunk } from '../store/log-chunk-codec.js';
import { readStoredLogChunks } from '../store/logs-repository.js';
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
    const plain = { bytes: 0 };
    const members = gzipMembers(readStoredLogChunks(db, attempt.jobId, attempt.attempt, pageChunks), plain);
    const head = await readUpTo(members, inMemoryMaxBytes);
    const storedBytes = head.ended
      ? await this.storeInMemory(key, head.pages)
      : await this.storeStaged(key, head.pages, members);
    const archive = { jobId: attempt.jobId, attempt: attempt.attempt, key, bytes: plain.bytes };
    if (await recordLogArchiveDeletingChunks(db, archive)) {
      log.debug({ jobId: attempt.jobId, attempt: attempt.attempt, bytes: plain.bytes, storedBytes }, 'log archived');
    } else {
      await store.removeObjects([key]);
    }
  }

  /** Most logs: a few members, stored from memory. Returns the stored size. */
  private async storeInMemory(key: string, members: Uint8Array[]): Promise<number> {
    const archive = Buffer.concat(members);
    await this.deps.store.putObject(key, archive, archive.length);
    return archive.length;
  }

  /** A long log: its members written to a staging file, then stored from it. Returns the stored size. */
  private async storeStaged(key: string, head: Uint8Array[], rest: AsyncIterable<Uint8Array>): Promise<number> {
    await mkdir(this.deps.stagingDir, { recursive: true, mode: 0o700 });
    const staged = join(this.deps.stagingDir, `${randomUUID()}.log.gz`);
    try {
      await pipeline(Readable.from(followedBy(head, rest)), createWriteStream(staged, { mode: 0o600 }));
      const { size } = await stat(staged);
      await this.deps.store.putObject(key, createReadStream(staged), size);
      return size;
    } finally {
      await rm(staged, { force: true });
    }
  }
}

/**
 * An attempt's archive as gzip members in log order, which together are one
 * gzip stream of the log: a chunk stored compressed is passed on as it is,
 * each run of plain chunks is compressed into one member. Adds the log's
 * plain size to `plain.bytes`; an empty log still gets one (empty) member.
 */
async function* gzipMembers(
  chunks: AsyncIterable<StoredLogChunk>,
  plain: { bytes: number },
): AsyncGenerator<Uint8Array> {
  let run: Uint8Array[] = [];
  let runBytes = 0;
  let members = 0;
  const compressRun = async () => {
    const member = await gzipAsync(Buffer.concat(run), { level: constants.Z_BEST_SPEED });
    run = [];
    runBytes = 0;
    members++;
    return member;
  };
  for await (const chunk of chunks) {
    if (chunk.plainBytes === null) {
      run.push(chunk.data);
      runBytes += chunk.data.length;
      plain.bytes += chunk.data.length;
      if (runBytes >= plainRunMaxBytes) yield await compressRun();
      continue;
    }
    if (runBytes > 0) yield await compressRun();
    plain.bytes += chunk.plainBytes;
    members++;
    yield chunk.data;
  }
  if (runBytes > 0 || members === 0) yield await compressRun();
}

/** Chunks read from the database at a time (a plain one may be 1 MiB). */
const pageChunks = 16;
/** Plain chunks compressed together into one member, up to about this size. */
const plainRunMaxBytes = 1024 * 1024;

/** Archives up to this stored size are built in memory; longer ones in a staging file. */
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
