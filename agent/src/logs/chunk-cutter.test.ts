import { describe, expect, it } from 'vitest';
import { ChunkCutter, type OutgoingLogChunk } from './chunk-cutter.js';

/** A cutter that never flushes on a timer, and what it emitted. */
function cutter(maxChunkBytes: number) {
  const chunks: OutgoingLogChunk[] = [];
  const cut = new ChunkCutter({ maxChunkBytes, flushDelayMs: 60_000, onChunk: (chunk) => chunks.push(chunk) });
  return { cut, chunks };
}

/** Writes `text` through one reused buffer, overwritten after each write, `piece` bytes at a time (as pipes are read). */
function writeThroughSharedBuffer(cut: ChunkCutter, text: string, piece: number, step = 0): void {
  const shared = Buffer.alloc(piece);
  for (let at = 0; at < text.length; at += piece) {
    const length = shared.write(text.slice(at, at + piece), 'latin1');
    cut.write(shared.subarray(0, length), step);
    shared.fill('#');
  }
}

const numbered = (lines: number) => Array.from({ length: lines }, (_, n) => `${n}\n`).join('');

describe('ChunkCutter', () => {
  it('keeps a copy of what it is given: the caller reuses its buffer at once', () => {
    const { cut, chunks } = cutter(64 * 1024);
    const output = numbered(30_000);
    writeThroughSharedBuffer(cut, output, 1000);
    cut.flush();
    expect(chunks.map((chunk) => chunk.data.length).slice(0, -1)).toEqual(
      Array.from({ length: chunks.length - 1 }, () => 64 * 1024),
    );
    expect(Buffer.concat(chunks.map((chunk) => chunk.data)).toString('latin1')).toBe(output);
    expect(chunks.map((chunk) => chunk.offset)).toEqual(chunks.map((_, n) => n * 64 * 1024));
  });

  it('fills a recycled buffer again, and never one whose chunk was not given back', () => {
    const size = 32 * 1024;
    const { cut, chunks } = cutter(size);
    const output = numbered(40_000);
    writeThroughSharedBuffer(cut, output.slice(0, 2 * size), 4096);
    const [first, second] = chunks as [OutgoingLogChunk, OutgoingLogChunk];
    const secondCopy = Buffer.from(second.data);
    cut.recycle(first.data);
    writeThroughSharedBuffer(cut, output.slice(2 * size), 4096);
    cut.flush();
    // The third chunk was filled in the first one's buffer; the second, kept, is untouched.
    expect(chunks[2]?.data.buffer).toBe(first.data.buffer);
    expect(second.data.equals(secondCopy)).toBe(true);
    expect(new Set(chunks.slice(3).map((chunk) => chunk.data.buffer)).has(first.data.buffer)).toBe(false);
    expect(Buffer.concat(chunks.slice(1).map((chunk) => chunk.data)).toString('latin1')).toBe(output.slice(size));
  });

  it('emits a mostly empty chunk as a copy of its output and ignores it when given back', () => {
    // Chunks the size of Node's buffer pool: a short copy lives in a pool slab of exactly that size.
    const size = Buffer.poolSize;
    const { cut, chunks } = cutter(size);
    writeThroughSharedBuffer(cut, 'one line\n', 64);
    cut.flush();
    expect(chunks[0]?.data.buffer.byteLength).toBe(size);
    cut.recycle(chunks[0]!.data);
    // The first fills the buffer kept from the flush; the second would fill a spare, had the slab been taken.
    writeThroughSharedBuffer(cut, 'x'.repeat(size), 1024);
    writeThroughSharedBuffer(cut, 'y'.repeat(size), 1024);
    expect(chunks.map((chunk) => chunk.data.toString())).toEqual(['one line\n', 'x'.repeat(size), 'y'.repeat(size)]);
  });

  it('starts a new chunk when the step changes', () => {
    const { cut, chunks } = cutter(1024);
    cut.write(Buffer.from('a'.repeat(700)), 0);
    cut.write(Buffer.from('b'.repeat(700)), 1);
    cut.flush();
    expect(chunks.map((chunk) => [chunk.stepIndex, chunk.offset, chunk.data.length])).toEqual([
      [0, 0, 700],
      [1, 700, 700],
    ]);
  });
});
