/**
 * Server side of StreamLogs: batches incoming chunks into one fenced insert
 * per batch and pauses the stream while a batch is being written, so a fast
 * agent is slowed by backpressure instead of growing this process's memory.
 * A stream's writes start at least `minWriteIntervalMs` apart unless a batch
 * is full: a job of many short steps (a chunk each) costs a write per
 * interval rather than one per step, and a chunk is stored at most that much
 * later (a followed log polls every 250 ms).
 */

import {
  FINISH_LOG_BYTES_MAX,
  FINISH_LOG_CHUNKS_MAX,
  type LogChunk__Output,
  type StreamLogsResponse,
} from '@gantry/proto';
import { type ServerReadableStream, type ServiceError, type sendUnaryData, status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import type { JobLifecycle } from '../scheduler/job-lifecycle.js';
import type { LeaseKey } from '../store/leases-repository.js';
import type { LogChunkInput } from '../store/logs-repository.js';
import { grpcError, toGrpcError } from './errors.js';

/** A batch is written when it holds this many chunks or bytes, whichever comes first. */
const maxBatchChunks = 64;
const maxBatchBytes = 4 * 1024 * 1024;
/** The least time between the starts of two writes of one stream (a full batch does not wait). */
export const minWriteIntervalMs = 50;

export interface LogStreamDeps {
  lifecycle: JobLifecycle;
  log: Logger;
  /**
   * Rejects when the caller may not use the stream's lease; checked before
   * anything of it is stored, with null when the stream ends without a chunk.
   */
  checkLease: (lease: LeaseKey | null) => Promise<void>;
}

export function handleLogStream(
  call: ServerReadableStream<LogChunk__Output, StreamLogsResponse>,
  callback: sendUnaryData<StreamLogsResponse>,
  { lifecycle, log, checkLease }: LogStreamDeps,
): void {
  let lease: LeaseKey | null = null;
  let batch: LogChunkInput[] = [];
  let batchBytes = 0;
  let writing: Promise<void> = Promise.resolve();
  let storedSeq = -1;
  let failed = false;
  let lastFlushAt = Number.NEGATIVE_INFINITY;
  let flushTimer: NodeJS.Timeout | undefined;

  const failWith = (serviceError: Partial<ServiceError>) => {
    if (failed) return;
    failed = true;
    callback(serviceError);
  };
  const fail = (error: unknown) => failWith(toGrpcError(error, log, 'StreamLogs'));

  const flush = () => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    lastFlushAt = performance.now();
    const chunks = batch;
    batch = [];
    batchBytes = 0;
    if (chunks.length === 0 || !lease) return;
    const key = lease;
    call.pause();
    writing = writing
      .then(async () => {
        if (failed) return;
        storedSeq = await lifecycle.appendLogs(key, chunks);
      })
      .then(
        () => {
          call.resume();
        },
        (error) => fail(error),
      );
  };

  /** Writes the batch once the interval since the last write has passed (after this turn's chunks at the soonest). */
  const flushLater = () => {
    if (flushTimer) return;
    const waitMs = lastFlushAt + minWriteIntervalMs - performance.now();
    const flushIfAny = () => {
      flushTimer = undefined;
      if (batch.length > 0) flush();
    };
    if (waitMs > 0) flushTimer = setTimeout(flushIfAny, waitMs);
    else queueMicrotask(flushIfAny);
  };

  call.on('data', (chunk: LogChunk__Output) => {
    if (failed) return;
    const chunkLease = chunk.lease;
    if (!chunkLease?.jobId || !chunkLease.leaseToken) {
      failWith(grpcError(status.INVALID_ARGUMENT, 'log chunk without a lease'));
      return;
    }
    if (!lease) {
      const first = { jobId: chunkLease.jobId, attempt: chunkLease.attempt, leaseToken: chunkLease.leaseToken };
      lease = first;
      writing = writing.then(() => checkLease(first)).catch(fail);
    } else if (lease.jobId !== chunkLease.jobId || lease.attempt !== chunkLease.attempt) {
      failWith(grpcError(status.INVALID_ARGUMENT, 'one log stream carries one attempt'));
      return;
    }
    const refusal = compressedChunkRefusal(chunk);
    if (refusal) {
      failWith(grpcError(status.INVALID_ARGUMENT, refusal));
      return;
    }
    batch.push({
      seq: chunk.seq,
      byteOffset: chunk.offset,
      stepIndex: chunk.stepIndex,
      data: chunk.data,
      plainBytes: chunk.plainBytes || null,
    });
    batchBytes += chunk.data.length;
    if (batch.length >= maxBatchChunks || batchBytes >= maxBatchBytes) flush();
    else flushLater();
  });

  call.on('end', () => {
    if (!lease) writing = writing.then(() => checkLease(null)).catch(fail);
    flush();
    void writing.then(() => {
      if (!failed) callback(null, { storedSeq });
    });
  });

  call.on('error', () => {
    // The agent went away mid-stream; what was stored stays, the rest is resent on retry.
  });
}

/** The most output one compressed chunk may stand for. */
const maxPlainBytes = 4 * 1024 * 1024;

/**
 * Why a chunk sent compressed cannot be stored, or null. Its content is read
 * (and its size checked) when the log is; here only its form is checked.
 */
export function compressedChunkRefusal(chunk: LogChunk__Output): string | null {
  if (!chunk.plainBytes) return null;
  if (chunk.plainBytes > maxPlainBytes) return `log chunk ${chunk.seq} stands for more than 4 MiB of output`;
  if (chunk.data[0] !== 0x1f || chunk.data[1] !== 0x8b) return `log chunk ${chunk.seq} is not a gzip member`;
  return null;
}

/**
 * The log chunks a FinishJob carries, checked as StreamLogs checks them: each
 * of the finish's own attempt, in the form its compression says, and within
 * the protocol's bounds. Throws INVALID_INPUT naming the problem.
 */
export function finishLogChunks(lease: LeaseKey, chunks: LogChunk__Output[]): LogChunkInput[] {
  if (chunks.length > FINISH_LOG_CHUNKS_MAX) {
    throw new DomainError(
      'INVALID_INPUT',
      `FinishJob carries ${chunks.length} log chunks, over ${FINISH_LOG_CHUNKS_MAX}`,
    );
  }
  let bytes = 0;
  return chunks.map((chunk) => {
    if (chunk.lease?.jobId !== lease.jobId || chunk.lease.attempt !== lease.attempt) {
      throw new DomainError('INVALID_INPUT', `log chunk ${chunk.seq} is not of the finished attempt`);
    }
    const refusal = compressedChunkRefusal(chunk);
    if (refusal) throw new DomainError('INVALID_INPUT', refusal);
    bytes += chunk.data.length;
    if (bytes > FINISH_LOG_BYTES_MAX) {
      throw new DomainError('INVALID_INPUT', 'FinishJob carries more than 1 MiB of log chunks');
    }
    return {
      seq: chunk.seq,
      byteOffset: chunk.offset,
      stepIndex: chunk.stepIndex,
      data: chunk.data,
      plainBytes: chunk.plainBytes || null,
    };
  });
}
