/**
 * Moves the logs of ended attempts out of the database into the artifact
 * store as one gzip stream each: the members the rows already hold (see
 * log-chunk-codec.ts) and the rest compressed here. Short logs found by one
 * sweep are stored together, one pack object whose records say where each
 * attempt's stream lies (most jobs' logs are short: one object and one
 * record statement for up to 50 of them). Crash-safe by its order:
 * store the object, record it (log_archives), then delete the rows; a
 * controller that dies in between leaves rows the next sweep finishes
 * (deleting them, or archiving again). Every archiving writes its own key and
 * only the first recorded counts, so two controllers sweeping the same
 * attempt at once (the second may read the rows after the first deleted them)
 * never overwrite the archive that is read; the loser removes its object
 * (a pack, unless another of its logs was recorded: then its stretch stays
 * unread until garbage collection removes the pack with its last log).
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
import { gzipLogMember, sleep } from '@gantry/common';
import type { Logger } from 'pino';
import type { Database } from '../store/database.js';
import {
  type ArchiveRecord,
  type AttemptChunk,
  attemptId,
  deleteArchivedChunks,
  findUnarchivedAttempts,
  readStoredChunksOf,
  recordLogArchivesDeletingChunks,
  type UnarchivedAttempt,
} from '../store/log-archives-repository.js';
import type { StoredLogChunk } from '../store/log-chunk-codec.js';
import { readStoredLogChunks } from '../store/logs-repository.js';
import { logArchiveKey, logPackKey } from './artifact-keys.js';
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
const batchSize = 50;

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

  /**
   * One pass: archives (or finishes archiving) up to a batch of ended
   * attempts. Short logs go together, a few statements for the lot (most
   * jobs' logs are short); a long one is archived on its own. Returns how
   * many attempts it handled.
   */
  async sweep(): Promise<number> {
    const attempts = await findUnarchivedAttempts(this.deps.db, batchSize);
    await deleteArchivedChunks(
      this.deps.db,
      attempts.filter((attempt) => attempt.archived),
    );
    const pending = attempts.filter((attempt) => !attempt.archived);
    const isShort = (attempt: UnarchivedAttempt) => attempt.storedBytes <= inMemoryMaxBytes;
    for (const group of groupsUpTo(pending.filter(isShort), groupMaxBytes)) await this.archiveShort(group);
    for (const attempt of pending.filter((attempt) => !isShort(attempt))) await this.archive(attempt);
    return attempts.length;
  }

  /**
   * Archives one attempt not archived yet as a sweep found it, its rows read a
   * page at a time; the rows may be gone by now (another controller archived them).
   */
  async archive(attempt: UnarchivedAttempt): Promise<void> {
    const { db } = this.deps;
    const key = logArchiveKey(attempt.runId, attempt.jobId, attempt.attempt, randomUUID());
    const plain = { bytes: 0 };
    const members = gzipMembers(readStoredLogChunks(db, attempt.jobId, attempt.attempt, pageChunks), plain);
    const head = await readUpTo(members, inMemoryMaxBytes);
    const storedBytes = head.ended
      ? await this.storeInMemory(key, head.pages)
      : await this.storeStaged(key, head.pages, members);
    await this.record(
      [
        {
          jobId: attempt.jobId,
          attempt: attempt.attempt,
          key,
          bytes: plain.bytes,
          storedOffset: null,
          storedLength: null,
        },
      ],
      storedBytes,
    );
  }

  /**
   * Archives short logs together: their rows in one read, their gzip streams
   * one after another in one pack object, their records (each with its
   * stretch of the pack) in one statement. If the pack cannot be stored,
   * every attempt's rows stay for a later sweep.
   */
  async archiveShort(attempts: UnarchivedAttempt[]): Promise<void> {
    const chunks = chunksByAttempt(await readStoredChunksOf(this.deps.db, attempts));
    const key = logPackKey(randomUUID());
    const streams: Uint8Array[] = [];
    const records: ArchiveRecord[] = [];
    let storedBytes = 0;
    for (const attempt of attempts) {
      const plain = { bytes: 0 };
      let length = 0;
      for await (const member of gzipMembers(chunks.get(attemptId(attempt)) ?? [], plain)) {
        streams.push(member);
        length += member.length;
      }
      records.push({
        jobId: attempt.jobId,
        attempt: attempt.attempt,
        key,
        bytes: plain.bytes,
        storedOffset: storedBytes,
        storedLength: length,
      });
      storedBytes += length;
    }
    await this.storeInMemory(key, streams);
    await this.record(records, storedBytes);
  }

  /**
   * Records stored archives; an object none of whose attempts was recorded
   * (another sweep archived them meanwhile) is removed.
   */
  private async record(archives: ArchiveRecord[], storedBytes: number): Promise<void> {
    if (archives.length === 0) return;
    const recorded = await recordLogArchivesDeletingChunks(this.deps.db, archives);
    const keptKeys = new Set(archives.filter((archive) => recorded.has(attemptId(archive))).map((a) => a.key));
    const unused = [...new Set(archives.map((archive) => archive.key))].filter((key) => !keptKeys.has(key));
    if (unused.length > 0) await this.deps.store.removeObjects(unused);
    this.deps.log.debug(
      { attempts: recorded.size, late: archives.length - recorded.size, storedBytes },
      'logs archived',
    );
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
  chunks: AsyncIterable<StoredLogChunk> | Iterable<StoredLogChunk>,
  plain: { bytes: number },
): AsyncGenerator<Uint8Array> {
  let run: Uint8Array[] = [];
  let runBytes = 0;
  let members = 0;
  const compressRun = async () => {
    const member = await gzipLogMember(Buffer.concat(run));
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

/** Attempts in order, in groups whose rows together hold at most `maxBytes` (one attempt alone may hold more). */
function* groupsUpTo(attempts: UnarchivedAttempt[], maxBytes: number): Generator<UnarchivedAttempt[]> {
  let group: UnarchivedAttempt[] = [];
  let bytes = 0;
  for (const attempt of attempts) {
    if (group.length > 0 && bytes + attempt.storedBytes > maxBytes) {
      yield group;
      group = [];
      bytes = 0;
    }
    group.push(attempt);
    bytes += attempt.storedBytes;
  }
  if (group.length > 0) yield group;
}

/** A batch read's chunks by attempt (attemptId), each attempt's in log order. */
function chunksByAttempt(chunks: AttemptChunk[]): Map<string, AttemptChunk[]> {
  const byAttempt = new Map<string, AttemptChunk[]>();
  for (const chunk of chunks) {
    const key = attemptId(chunk);
    const list = byAttempt.get(key);
    if (list) list.push(chunk);
    else byAttempt.set(key, [chunk]);
  }
  return byAttempt;
}

/** Rows read together for a group of short logs, at most. */
const groupMaxBytes = 8 * 1024 * 1024;

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
