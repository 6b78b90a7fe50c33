/**
 * Moves one file to or from a presigned URL over HTTP(S), streaming: the
 * SHA-256 and size are computed from the bytes as they pass, and a file is
 * never held in memory whole. Every request has an idle timeout.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileIdentity } from './file-identity.js';

/** Idle time after which a transfer is abandoned (and retried). */
const idleTimeoutMs = 60_000;
/**
 * Bytes a file stream reads at once, and lets queue before it holds its
 * source back: large, so that a download reads the network while earlier
 * pieces are being written, instead of waiting on each 16 KiB write.
 */
const streamBufferBytes = 1024 * 1024;
/** Buffers of that size an upload reads ahead into: the socket holds some while the next is read. */
const uploadBufferCount = 4;

/** The store answered with an HTTP status; 5xx, 408 and 429 are worth retrying. */
export class StoreResponseError extends Error {
  override readonly name = 'StoreResponseError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
  get transient(): boolean {
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

/** True for errors a retry may cure: the connection failed or the store said "try later". */
export function isTransientTransferError(error: unknown): boolean {
  if (error instanceof StoreResponseError) return error.transient;
  const code = (error as { code?: string }).code ?? '';
  return [
    'ECONNRESET',
    'ECONNREFUSED',
    'EPIPE',
    'ETIMEDOUT',
    'EAI_AGAIN',
    'ENOTFOUND',
    'ERR_STREAM_PREMATURE_CLOSE',
  ].includes(code);
}

export interface Digest {
  size: number;
  sha256: string;
}

export interface UploadOptions {
  signal?: AbortSignal | undefined;
  /**
   * The file the path led to when it was checked: a path swapped since (for
   * a symlink leading out, by a process the job left running, or a named
   * pipe) is refused, not read.
   */
  expected?: FileIdentity | undefined;
}

/**
 * PUTs the file at `path` (of `size` bytes) to `url`; resolves with the
 * digest of what was sent. A file that changes size meanwhile fails it.
 */
export async function uploadFile(
  url: string,
  path: string,
  size: number,
  options: UploadOptions = {},
): Promise<Digest> {
  const file = await openToUpload(path, options.expected);
  const hash = createHash('sha256');
  let request: ClientRequest;
  try {
    request = requestOf(url)(url, {
      method: 'PUT',
      headers: { 'content-length': String(size), 'content-type': 'application/octet-stream' },
      signal: options.signal,
      timeout: idleTimeoutMs,
    });
  } catch (error) {
    await file.close();
    throw error;
  }
  request.on('timeout', () => request.destroy(Object.assign(new Error('store timed out'), { code: 'ETIMEDOUT' })));
  const [sent, answer] = await Promise.allSettled([
    sendFile(request, file, size, hash),
    responseOf(request).then(drainOk),
  ]);
  // The store's own answer says more than the broken pipe it may have caused.
  if (answer.status === 'rejected') throw answer.reason;
  if (sent.status === 'rejected') throw sent.reason;
  return { size, sha256: hash.digest('hex') };
}

/**
 * Opens `path` to read; with `expected`, checks the file opened (by its
 * descriptor, whatever the path leads to by now) is that regular file. It is
 * opened without following a final symlink and without blocking, so a named
 * pipe swapped in cannot hold the upload.
 */
async function openToUpload(path: string, expected: FileIdentity | undefined): Promise<FileHandle> {
  if (expected === undefined) return open(path, 'r');
  const moved = () => new Error(`${path} is no longer the file collected (replaced since it was found)`);
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const file = await open(path, flags).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ELOOP' ? moved() : error;
  });
  const opened = await file.stat({ bigint: true });
  if (opened.isFile() && opened.dev === expected.dev && opened.ino === expected.ino) return file;
  await file.close();
  throw moved();
}

/**
 * Writes the file's first `size` bytes as the body of `request`, hashing them
 * on the way, and ends it. The file is read into a few buffers that are
 * reused once the socket has taken them: fresh buffers for every megabyte
 * (what a file stream allocates) cost as much as the copy itself. Closes
 * the file.
 */
async function sendFile(request: ClientRequest, file: FileHandle, size: number, hash: Hash): Promise<void> {
  const failed = new Promise<never>((_resolve, reject) => {
    request.once('error', reject);
    request.once('close', () => reject(new Error('the store closed the connection before the file was sent')));
  });
  failed.catch(() => {});
  // A small file takes one buffer of its own size.
  const bufferBytes = Math.max(1, Math.min(streamBufferBytes, size));
  const buffers = new BufferPool(Math.min(uploadBufferCount, Math.ceil(size / bufferBytes) || 1), bufferBytes);
  try {
    let position = 0;
    while (position < size) {
      const buffer = await Promise.race([buffers.take(), failed]);
      const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, size - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const piece = buffer.subarray(0, bytesRead);
      hash.update(piece);
      request.write(piece, () => buffers.give(buffer));
    }
    const now = (await file.stat()).size;
    if (position !== size || now !== size) {
      throw new Error(`file changed while it was uploaded (${size} bytes became ${now})`);
    }
    await Promise.race([new Promise<void>((resolve) => request.end(resolve)), failed]);
  } catch (error) {
    request.destroy(error as Error);
    throw error;
  } finally {
    await file.close();
  }
}

/** A fixed set of equal buffers, taken and given back; `take` waits while all are out. */
class BufferPool {
  readonly #free: Buffer[];
  readonly #waiting: Array<(buffer: Buffer) => void> = [];
  constructor(count: number, bytes: number) {
    this.#free = Array.from({ length: count }, () => Buffer.allocUnsafeSlow(bytes));
  }
  take(): Promise<Buffer> {
    const buffer = this.#free.pop();
    return buffer ? Promise.resolve(buffer) : new Promise((resolve) => this.#waiting.push(resolve));
  }
  give(buffer: Buffer): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(buffer);
    else this.#free.push(buffer);
  }
}

/**
 * GETs `url` into `path` (through a temporary file beside it, renamed in place
 * once complete); resolves with the digest of what arrived. Neither path is
 * followed when it is a symlink: whatever is at the temporary path is removed
 * and a new file created there, and the rename replaces a link at `path`
 * rather than writing where it points. `mode`, when given, is set on the new
 * file before it appears at `path`.
 */
export async function downloadFile(url: string, path: string, signal?: AbortSignal, mode?: number): Promise<Digest> {
  const hasher = digester();
  const partial = `${path}.gantry-partial`;
  const request = requestOf(url)(url, { method: 'GET', signal, timeout: idleTimeoutMs });
  request.on('timeout', () => request.destroy(Object.assign(new Error('store timed out'), { code: 'ETIMEDOUT' })));
  request.end();
  try {
    const response = await responseOf(request);
    if (response.statusCode !== 200) await drainOk(response);
    const file = await createNewFile(partial, mode);
    await pipeline(response, hasher.transform, file.createWriteStream({ highWaterMark: streamBufferBytes }));
    await rename(partial, path);
    return hasher.digest();
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/**
 * Opens a file created at `path` by this call, for writing: an entry already
 * there (a file left over, or a symlink planted by the checkout) is removed,
 * never written through, and the open fails rather than follow a link that
 * reappears meanwhile.
 */
async function createNewFile(path: string, mode: number | undefined): Promise<FileHandle> {
  await rm(path, { force: true });
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
  const file = await open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
  if (mode === undefined) return file;
  try {
    await file.chmod(mode);
    return file;
  } catch (error) {
    await file.close();
    throw error;
  }
}

function requestOf(url: string) {
  return url.startsWith('https:') ? httpsRequest : httpRequest;
}

function responseOf(request: ClientRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
}

/** Reads the answer's body; rejects with StoreResponseError (quoting the store's message) unless it is a 2xx. */
async function drainOk(response: IncomingMessage): Promise<void> {
  const pieces: Buffer[] = [];
  let kept = 0;
  for await (const piece of response as AsyncIterable<Buffer>) {
    if (kept < 4096) pieces.push(piece);
    kept += piece.length;
  }
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return;
  const text = Buffer.concat(pieces).toString('utf8').slice(0, 4096);
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? /"message":"([^"]*)"/.exec(text)?.[1] ?? text.trim();
  throw new StoreResponseError(status, `store answered ${status}${message ? `: ${message}` : ''}`);
}

function digester() {
  const hash = createHash('sha256');
  let size = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { transform, digest: (): Digest => ({ size, sha256: hash.digest('hex') }) };
}
