/**
 * The one rule for compressing job output, shared by the agent (before it
 * sends a chunk) and the controller (before it stores one): a long piece of
 * output becomes one gzip member at the fastest level, kept only when it
 * shrinks enough. Concatenated members are one gzip stream, so the log
 * archiver appends stored members instead of compressing a log again.
 */
import { promisify } from 'node:util';
import { constants, gzip, gzipSync } from 'node:zlib';

/**
 * Output shorter than this is left as it is when it arrives (compressing it
 * saves little), and compressed on the calling thread when it must be (see
 * gzipLogMember()).
 */
export const logGzipFromBytes = 16 * 1024;
/** A compressed piece is used only when it is at most this share of the output (binary output barely shrinks). */
const worthItRatio = 0.9;

const gzipAsync = promisify(gzip);
/** Every gzip member of a log is made at the fastest level. */
const fastest = { level: constants.Z_BEST_SPEED };

/** `data` as one gzip member when it is long and shrinks enough, else null. Runs on the thread pool. */
export async function gzipLogOutput(data: Uint8Array): Promise<Buffer | null> {
  if (data.length < logGzipFromBytes) return null;
  const compressed = await gzipAsync(data, fastest);
  return compressed.length > data.length * worthItRatio ? null : compressed;
}

/**
 * `data` as one gzip member at the fastest level, whatever its size. Short
 * output is compressed on the calling thread: a call through the thread pool
 * costs about 0.3 ms of CPU on its own (a worker's wake-up, the main
 * thread's, and the stream around it), some thirty times what compressing a
 * one-line log takes. Longer output goes to the thread pool, off the event loop.
 */
export async function gzipLogMember(data: Uint8Array): Promise<Buffer> {
  return data.length < logGzipFromBytes ? gzipSync(data, fastest) : gzipAsync(data, fastest);
}
