/**
 * What a FinishJob may carry of the log: the finished attempt's chunks, in the
 * form their compression says, and a short job's worth at most; anything else
 * is refused naming the problem, before anything is stored.
 */
import { FINISH_LOG_BYTES_MAX, FINISH_LOG_CHUNKS_MAX, type LogChunk__Output } from '@gantry/proto';
import { describe, expect, it } from 'vitest';
import { finishLogChunks } from './log-stream.js';

const lease = { jobId: 'job-1', attempt: 2, leaseToken: 'token' };

function chunk(seq: number, data: Buffer, extra: Partial<LogChunk__Output> = {}): LogChunk__Output {
  return { lease: { ...lease }, seq, offset: seq * 10, data, stepIndex: 0, plainBytes: 0, ...extra };
}

describe('finishLogChunks', () => {
  it('passes the finished attempt’s chunks on as StreamLogs stores them', () => {
    expect(finishLogChunks(lease, [chunk(0, Buffer.from('one\n')), chunk(1, Buffer.from('two\n'))])).toEqual([
      { seq: 0, byteOffset: 0, stepIndex: 0, data: Buffer.from('one\n'), plainBytes: null },
      { seq: 1, byteOffset: 10, stepIndex: 0, data: Buffer.from('two\n'), plainBytes: null },
    ]);
  });

  it.each([
    [
      'another attempt’s chunk',
      [chunk(0, Buffer.from('x'), { lease: { ...lease, attempt: 1 } })],
      'not of the finished attempt',
    ],
    ['a chunk without a lease', [chunk(0, Buffer.from('x'), { lease: null })], 'not of the finished attempt'],
    [
      'a compressed chunk that is no gzip member',
      [chunk(0, Buffer.from('plain'), { plainBytes: 5 })],
      'not a gzip member',
    ],
    [
      'too many chunks',
      Array.from({ length: FINISH_LOG_CHUNKS_MAX + 1 }, (_, seq) => chunk(seq, Buffer.from('x'))),
      `over ${FINISH_LOG_CHUNKS_MAX}`,
    ],
    [
      'too many bytes',
      [chunk(0, Buffer.alloc(FINISH_LOG_BYTES_MAX)), chunk(1, Buffer.from('x'))],
      'more than 1 MiB of log chunks',
    ],
  ])('refuses %s', (_what, chunks, message) => {
    expect(() => finishLogChunks(lease, chunks)).toThrow(message);
  });
});
