/**
 * The per-attempt log cap (GANTRY_MAX_LOG_BYTES_PER_JOB): which bytes of a
 * batch of chunks are stored. Chunks carry their byte offset in the
 * attempt's whole output, so the cut falls at the same place however the
 * output was chunked, batched or resent: bytes before `maxBytes` are kept,
 * the chunk holding byte `maxBytes` (the first one past the cap) keeps what
 * precedes it and ends with the cut line, and later chunks are dropped.
 * Output of exactly `maxBytes` bytes is stored whole, with no cut line.
 */
import { decodeLogChunk } from '../store/log-chunk-codec.js';
import type { LogChunkInput } from '../store/logs-repository.js';

/** The line that ends a cut log, e.g. `[gantry] log cut at 512 MiB (GANTRY_MAX_LOG_BYTES_PER_JOB); the job goes on`. */
export function logCutLine(maxBytes: number): string {
  return `[gantry] log cut at ${formatBytes(maxBytes)} (GANTRY_MAX_LOG_BYTES_PER_JOB); the job goes on\n`;
}

/**
 * The chunks to store. A chunk sent compressed counts its output bytes; the
 * one holding the cut must come plain (see plainAcrossCap).
 */
export function capLogChunks(chunks: LogChunkInput[], maxBytes: number): LogChunkInput[] {
  const kept: LogChunkInput[] = [];
  for (const chunk of chunks) {
    const end = chunk.byteOffset + outputBytes(chunk);
    if (end <= maxBytes) {
      kept.push(chunk);
      continue;
    }
    if (chunk.byteOffset > maxBytes) continue;
    if (chunk.plainBytes) throw new Error(`log chunk ${chunk.seq} holds the cut but is compressed`);
    const before = chunk.data.subarray(0, maxBytes - chunk.byteOffset);
    const newline = before.length > 0 && before[before.length - 1] === 0x0a ? '' : '\n';
    const data = Buffer.concat([before, Buffer.from(`${newline}${logCutLine(maxBytes)}`)]);
    kept.push({ ...chunk, data });
  }
  return kept;
}

/** The chunks, with the one holding the cut (if any) decompressed so that capLogChunks can cut it. */
export async function plainAcrossCap(chunks: LogChunkInput[], maxBytes: number): Promise<LogChunkInput[]> {
  return Promise.all(
    chunks.map(async (chunk) => {
      const crosses = chunk.byteOffset <= maxBytes && chunk.byteOffset + outputBytes(chunk) > maxBytes;
      if (!chunk.plainBytes || !crosses) return chunk;
      return {
        ...chunk,
        data: await decodeLogChunk({ data: chunk.data, plainBytes: chunk.plainBytes }),
        plainBytes: null,
      };
    }),
  );
}

function outputBytes(chunk: LogChunkInput): number {
  return chunk.plainBytes || chunk.data.length;
}

/** `536870912` → `512 MiB`; sizes that are no whole KiB stay in bytes. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
