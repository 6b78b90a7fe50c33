/**
 * The one rule for compressing job output, shared by the agent (before it
 * sends a chunk) and the controller (before it stores one): a long piece of
 * output becomes one gzip member at the fastest level, kept only when it
 * shrinks enough. Concatenated members are one gzip stream, so the log
 * archiver appends stored members instead of compressing a log again.
 */
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';

/** Output shorter than this is left as it is: compressing it saves little and costs a thread-pool call. */
export const logGzipFromBytes = 16 * 1024;
/** A compressed piece is used only when it is at most this share of the output (binary output barely shrinks). */
const worthItRatio = 0.9;

const gzipAsync = promisify(gzip);

/** `data` as one gzip member when it is long and shrinks enough, else null. Runs on the thread pool. */
export async function gzipLogOutput(data: Uint8Array): Promise<Buffer | null> {
  if (data.length < logGzipFromBytes) return null;
  const compressed = await gzipAsync(data, { level: constants.Z_BEST_SPEED });
  return compressed.length > data.length * worthItRatio ? null : compressed;
}
