import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipLogOutput, logGzipFromBytes } from './log-gzip.js';

describe('gzipLogOutput', () => {
  it('leaves short output as it is', async () => {
    expect(await gzipLogOutput(Buffer.alloc(logGzipFromBytes - 1, 'x'))).toBeNull();
  });

  it('compresses long output that shrinks into one gzip member of the same bytes', async () => {
    const output = Buffer.from('line of output\n'.repeat(4096));
    const compressed = await gzipLogOutput(output);
    expect(compressed).not.toBeNull();
    expect(compressed?.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gunzipSync(compressed as Buffer).equals(output)).toBe(true);
  });

  it('leaves long output that barely shrinks (random bytes) as it is', async () => {
    expect(await gzipLogOutput(randomBytes(64 * 1024))).toBeNull();
  });
});
