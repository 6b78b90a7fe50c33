/**
 * How StreamLogs writes what it receives: chunks arriving closer together
 * than minWriteIntervalMs go out in one write, a full batch at once, and the
 * stream's end writes whatever waits before it answers; nothing is lost or
 * reordered.
 */
import { EventEmitter } from 'node:events';
import type { LogChunk__Output, StreamLogsResponse } from '@gantry/proto';
import type { ServerReadableStream } from '@grpc/grpc-js';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobLifecycle } from '../scheduler/job-lifecycle.js';
import type { LogChunkInput } from '../store/logs-repository.js';
import { handleLogStream, minWriteIntervalMs } from './log-stream.js';

const lease = { jobId: 'job-1', attempt: 1, leaseToken: 'token' };

function chunk(seq: number, bytes = 8): LogChunk__Output {
  return {
    lease: { ...lease },
    seq,
    offset: seq * bytes,
    data: Buffer.alloc(bytes, 'x'),
    stepIndex: seq,
    plainBytes: 0,
  };
}

/** A StreamLogs call fed by the test, and the writes it led to. */
function openStream() {
  const call = Object.assign(new EventEmitter(), { pause: () => {}, resume: () => {} });
  const writes: number[][] = [];
  const lifecycle = {
    appendLogs: async (_lease: unknown, chunks: LogChunkInput[]) => {
      writes.push(chunks.map((stored) => stored.seq));
      return Math.max(...chunks.map((stored) => stored.seq));
    },
  } as unknown as JobLifecycle;
  let answer: StreamLogsResponse | undefined;
  handleLogStream(
    call as unknown as ServerReadableStream<LogChunk__Output, StreamLogsResponse>,
    (error, response) => {
      if (error) throw new Error(`StreamLogs failed: ${error.details}`);
      answer = response ?? undefined;
    },
    { lifecycle, log: pino({ level: 'silent' }), checkLease: async () => {} },
  );
  return { call, writes, answer: () => answer };
}

describe('StreamLogs writes', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the first chunk at once and the ones within the next interval together', async () => {
    const stream = openStream();
    stream.call.emit('data', chunk(0));
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.writes).toEqual([[0]]);
    // One short step after another, 5 ms apart.
    for (let seq = 1; seq <= 20; seq++) {
      await vi.advanceTimersByTimeAsync(5);
      stream.call.emit('data', chunk(seq));
    }
    await vi.advanceTimersByTimeAsync(minWriteIntervalMs);
    expect(stream.writes.length).toBeLessThanOrEqual(4);
    expect(stream.writes.flat()).toEqual(Array.from({ length: 21 }, (_, seq) => seq));
  });

  it('writes a full batch without waiting for the interval', async () => {
    const stream = openStream();
    stream.call.emit('data', chunk(0));
    await vi.advanceTimersByTimeAsync(0);
    for (let seq = 1; seq <= 64; seq++) stream.call.emit('data', chunk(seq));
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.writes).toEqual([[0], Array.from({ length: 64 }, (_, index) => index + 1)]);
  });

  it('writes what waits when the stream ends, then answers with the highest stored seq', async () => {
    const stream = openStream();
    stream.call.emit('data', chunk(0));
    await vi.advanceTimersByTimeAsync(0);
    stream.call.emit('data', chunk(1));
    stream.call.emit('data', chunk(2));
    stream.call.emit('end');
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.writes).toEqual([[0], [1, 2]]);
    expect(stream.answer()).toEqual({ storedSeq: 2 });
  });
});
