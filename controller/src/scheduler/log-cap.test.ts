import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { LogChunkInput } from '../store/logs-repository.js';
import { capLogChunks, formatBytes, logCutLine, plainAcrossCap } from './log-cap.js';

/** Cuts `text` into chunks of `size` bytes with their offsets, as an agent would send them. */
function chunksOf(text: string, size: number): LogChunkInput[] {
  const chunks: LogChunkInput[] = [];
  for (let offset = 0; offset < text.length; offset += size) {
    chunks.push({
      seq: chunks.length,
      byteOffset: offset,
      stepIndex: 0,
      data: Buffer.from(text.slice(offset, offset + size)),
    });
  }
  return chunks;
}

const stored = (chunks: LogChunkInput[]) => Buffer.concat(chunks.map((chunk) => chunk.data)).toString();

describe('capLogChunks', () => {
  it.each([
    ['under the cap: everything', 'abcdef', 3, 10, 'abcdef'],
    ['exactly the cap: everything, no cut line', 'abcdefghij', 4, 10, 'abcdefghij'],
    ['past the cap mid-chunk', 'abcdefghijklmnop', 4, 10, `abcdefghij\n${logCutLine(10)}`],
    ['past the cap at a chunk boundary', 'abcdefghijklmnop', 5, 10, `abcdefghij\n${logCutLine(10)}`],
    ['a cut right after a newline adds no blank line', 'abcd\nfghij', 3, 5, `abcd\n${logCutLine(5)}`],
  ])('%s', (_name, text, chunkBytes, maxBytes, expected) => {
    expect(stored(capLogChunks(chunksOf(text, chunkBytes), maxBytes))).toBe(expected);
  });

  it('cuts at the same place however the chunks are batched or resent', () => {
    const chunks = chunksOf('x'.repeat(100), 7);
    const whole = capLogChunks(chunks, 50);
    const bySeq = new Map<number, string>();
    for (let from = 0; from < chunks.length; from += 3) {
      for (const chunk of capLogChunks(chunks.slice(from, from + 3), 50)) bySeq.set(chunk.seq, chunk.data.toString());
    }
    for (const chunk of capLogChunks(chunks.slice(5), 50)) expect(bySeq.get(chunk.seq)).toBe(chunk.data.toString());
    expect([...bySeq.values()].join('')).toBe(stored(whole));
    expect(whole.map((chunk) => chunk.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('formatBytes', () => {
  it.each([
    [512 * 1024 * 1024, '512 MiB'],
    [1024 * 1024, '1 MiB'],
    [3 * 1024 ** 3, '3 GiB'],
    [1536, '1536 bytes'],
    [2048, '2 KiB'],
    [1000, '1000 bytes'],
  ])('%d → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('plainAcrossCap and capLogChunks on chunks the agent compressed', () => {
  const compressed = (chunk: LogChunkInput): LogChunkInput => ({
    ...chunk,
    data: gzipSync(chunk.data),
    plainBytes: chunk.data.length,
  });

  it('keeps compressed chunks before the cap as sent, cuts the one across it, and drops the rest', async () => {
    const chunks = chunksOf('abcdefghijklmnopqrstuvwxyz', 8).map(compressed);
    const kept = capLogChunks(await plainAcrossCap(chunks, 12), 12);
    expect(kept.map((chunk) => chunk.seq)).toEqual([0, 1]);
    expect(kept[0]).toBe(chunks[0]);
    expect(kept[1]?.plainBytes).toBeNull();
    expect(Buffer.concat([gunzipSync(kept[0]!.data), kept[1]!.data]).toString()).toBe(
      `abcdefghijkl\n${logCutLine(12)}`,
    );
  });

  it('refuses to cut a compressed chunk it was not given plain', () => {
    expect(() => capLogChunks(chunksOf('abcdefgh', 8).map(compressed), 4)).toThrow('holds the cut but is compressed');
  });
});
