import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipLogMember, gzipLogOutput, logGzipFromBytes } from './log-gzip.js';

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

describe('gzipLogMember', () => {
  it('compresses output of any size into one gzip member; members in a row are one gzip stream', async () => {
    const short = Buffer.from('one line\n');
    const long = Buffer.from('line of output\n'.repeat(4096));
    expect(long.length).toBeGreaterThanOrEqual(logGzipFromBytes);
    const members = [await gzipLogMember(short), await gzipLogMember(long), await gzipLogMember(Buffer.alloc(0))];
    for (const member of members) expect(member.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gunzipSync(Buffer.concat(members)).equals(Buffer.concat([short, long]))).toBe(true);
  });
});
