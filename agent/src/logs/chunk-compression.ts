/**
 * Compresses a long log chunk before it leaves the host, for a controller
 * that stores chunks sent compressed (ClaimJobResponse.accepts_gzip_chunks):
 * one gzip member at the fastest level, sent with the output's size
 * (LogChunk.plain_bytes). Long logs then cost the network, the controller and
 * its database a fraction of their size; short chunks and output that barely
 * shrinks (binary) go as they are.
 */
import { gzipLogOutput, logGzipFromBytes } from '@gantry/common';
import type { OutgoingLogChunk } from './chunk-cutter.js';

/** Whether compressing `chunk` may be worth it (short ones are sent at once). */
export function isLongChunk(chunk: OutgoingLogChunk): boolean {
  return chunk.data.length >= logGzipFromBytes;
}

/** The chunk to send for a long `chunk`. Runs on the thread pool, so chunks compress while the job's output is read. */
export async function compressChunk(chunk: OutgoingLogChunk): Promise<OutgoingLogChunk> {
  try {
    const compressed = await gzipLogOutput(chunk.data);
    return compressed ? { ...chunk, data: compressed, plainBytes: chunk.data.length } : chunk;
  } catch {
    // zlib could not (out of memory): the output goes as it is.
    return chunk;
  }
}
