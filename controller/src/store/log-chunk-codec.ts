/**
 * How a log chunk is kept in log_chunks: a large chunk is stored as one gzip
 * member (fast level) with its plain size beside it, a small one as it came.
 * Compressing where the output arrives keeps long logs small on the way to
 * Postgres, in its tables and on the way back; and since concatenated gzip
 * members are one gzip stream, the archiver builds an attempt's archive by
 * appending the stored members instead of compressing the log again.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { gzipLogOutput } from '@gantry/common';

/** A chunk as stored: `plainBytes` is null when `data` is the output itself, else its size before compression. */
export interface StoredLogChunk {
  data: Uint8Array;
  plainBytes: number | null;
}

const gunzipAsync = promisify(gunzip);

/** The stored form of one chunk's output. Runs on the thread pool, so several chunks compress at once. */
export async function encodeLogChunk(data: Uint8Array): Promise<StoredLogChunk> {
  const compressed = await gzipLogOutput(data);
  return compressed ? { data: compressed, plainBytes: data.length } : { data, plainBytes: null };
}

/** The output a stored chunk holds; refuses one that does not inflate to exactly its recorded size. */
export async function decodeLogChunk(chunk: StoredLogChunk): Promise<Uint8Array> {
  if (chunk.plainBytes === null) return chunk.data;
  const plain = await gunzipAsync(chunk.data, { maxOutputLength: Math.max(1, chunk.plainBytes) });
  if (plain.length !== chunk.plainBytes) {
    throw new Error(`a stored log chunk inflates to ${plain.length} bytes, not the ${chunk.plainBytes} recorded`);
  }
  return plain;
}
