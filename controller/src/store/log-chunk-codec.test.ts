import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeLogChunk, encodeLogChunk } from './log-chunk-codec.js';

describe('log chunk codec', () => {
  it('compresses a long text chunk and gives back the same bytes', async () => {
    const text = Buffer.from('compiling module 42 of the build\n'.repeat(2_000));
    const stored = await encodeLogChunk(text);
    expect(stored.plainBytes).toBe(text.length);
    expect(stored.data.length).toBeLessThan(text.length / 10);
    expect(Buffer.from(await decodeLogChunk(stored)).equals(text)).toBe(true);
  });

  it('keeps short and incompressible chunks as they came', async () => {
    for (const data of [Buffer.from('short\n'), randomBytes(64 * 1024)]) {
      const stored = await encodeLogChunk(data);
      expect(stored).toEqual({ data, plainBytes: null });
      expect(await decodeLogChunk(stored)).toBe(data);
    }
  });

  it('refuses a stored chunk that inflates to another size than recorded', async () => {
    const data = gzipSync(Buffer.alloc(1000, 'x'));
    await expect(decodeLogChunk({ data, plainBytes: 999 })).rejects.toThrow(RangeError);
    await expect(decodeLogChunk({ data, plainBytes: 1001 })).rejects.toThrow(
      'a stored log chunk inflates to 1000 bytes, not the 1001 recorded',
    );
  });
});
