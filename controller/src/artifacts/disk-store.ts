/**
 * The artifact store of a one-machine farm: files under DATA_DIR/artifacts,
 * served by the controller's own HTTP server (`/objects/<key>`) through the
 * same presigned-URL contract as S3: HMAC-signed, expiring URLs bound to one
 * key and one method (signed-url.ts). The signing secret is generated on
 * first start and kept in DATA_DIR/artifact-signing-key (mode 0600).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { artifactPathProblem } from './artifact-keys.js';
import { type ArtifactStore, ArtifactStoreError } from './artifact-store.js';
import { type SignatureVerdict, signObjectUrl, verifyObjectUrl } from './signed-url.js';

/**
 * Bytes a file stream reads at once, and lets queue before it holds its
 * source back: large, so that a transfer reads the network while earlier
 * pieces are being written, instead of waiting on each 16 KiB write.
 */
const streamBufferBytes = 1024 * 1024;
export interface DiskStoreOptions {
  /** DATA_DIR: objects go to DATA_DIR/artifacts, the secret to DATA_DIR/artifact-signing-key. */
  dataDir: string;
  /** The controller's public base URL; read when a URL is made (the port is known only once listening). */
  baseUrl: () => string;
  /** Seconds since the epoch; tests move it to expire URLs. */
  nowSeconds?: () => number;
}

export class DiskStore implements ArtifactStore {
  readonly description: string;
  private readonly root: string;
  private secret: Buffer | null = null;
  private readonly nowSeconds: () => number;

  constructor(private readonly options: DiskStoreOptions) {
    this.root = join(options.dataDir, 'artifacts');
    this.description = `disk:${this.root}`;
    this.nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  }

  async open(): Promise<void> {
    try {
      await mkdir(join(this.root, '.incoming'), { recursive: true, mode: 0o700 });
      this.secret = await loadOrCreateSecret(join(this.options.dataDir, 'artifact-signing-key'));
    } catch (error) {
      throw new ArtifactStoreError('STORE_UNAVAILABLE', `cannot use ${this.root}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async presignUpload(key: string, expiresInSeconds: number): Promise<string> {
    return signObjectUrl(this.signingSecret(), this.options.baseUrl(), 'PUT', key, this.expiry(expiresInSeconds));
  }

  async presignDownload(key: string, expiresInSeconds: number): Promise<string> {
    return signObjectUrl(this.signingSecret(), this.options.baseUrl(), 'GET', key, this.expiry(expiresInSeconds));
  }

  /** Judges a request on `/objects/<key>`; the HTTP route answers 401/403 with the message when refused. */
  verify(method: string, key: string, query: Record<string, string | undefined>): SignatureVerdict {
    if (!isObjectKey(key)) return { ok: false, status: 403, message: 'not an object key' };
    return verifyObjectUrl(this.signingSecret(), method, key, query, this.nowSeconds());
  }

  async putObject(key: string, body: Readable | Buffer, _size?: number): Promise<void> {
    if (!Buffer.isBuffer(body)) {
      await this.write(key, body);
      return;
    }
    // Bytes already in memory (an archived log): one writeFile instead of a stream.
    await this.place(key, async (incoming) => {
      await writeFile(incoming, body, { mode: 0o600, flag: 'wx' });
    });
  }

  /**
   * Streams `body` to a temporary file, then renames it into place: a reader
   * never sees half an object. More than `maxBytes` fails with ObjectTooLargeError.
   */
  async write(key: string, body: Readable, maxBytes = Number.POSITIVE_INFINITY): Promise<number> {
    let size = 0;
    await this.place(key, async (incoming) => {
      await pipeline(
        body,
        capped(maxBytes),
        createWriteStream(incoming, { mode: 0o600, highWaterMark: streamBufferBytes }),
      );
      size = (await stat(incoming)).size;
    });
    return size;
  }

  /** Has `fill` write a temporary file, then renames it to `key`'s path; the file is removed if either fails. */
  private async place(key: string, fill: (incoming: string) => Promise<void>): Promise<void> {
    const target = this.pathOf(key);
    const incoming = join(this.root, '.incoming', randomUUID());
    try {
      await fill(incoming);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await rename(incoming, target);
    } catch (error) {
      await rm(incoming, { force: true });
      throw error;
    }
  }

  async getObject(key: string): Promise<Readable> {
    return (await this.read(key)).body;
  }

  async getObjectRange(key: string, offset: number, length: number): Promise<Readable> {
    if (length <= 0) return Readable.from([]);
    return (await this.read(key, { start: offset, end: offset + length - 1 })).body;
  }

  /** The object's bytes (or those from `range.start` to `range.end`, inclusive) and its size; OBJECT_NOT_FOUND when there is none. */
  async read(key: string, range?: { start: number; end: number }): Promise<{ body: Readable; size: number }> {
    const path = this.pathOf(key);
    try {
      const { size } = await stat(path);
      return { body: createReadStream(path, { highWaterMark: streamBufferBytes, ...range }), size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ArtifactStoreError('OBJECT_NOT_FOUND', `no object "${key}"`);
      }
      throw error;
    }
  }

  async removeObjects(keys: string[]): Promise<void> {
    for (const key of keys) await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    if (!isObjectKey(key)) throw new ArtifactStoreError('OBJECT_NOT_FOUND', `not an object key: "${key}"`);
    return join(this.root, ...key.split('/'));
  }

  private expiry(expiresInSeconds: number): number {
    return this.nowSeconds() + expiresInSeconds;
  }

  private signingSecret(): Buffer {
    if (this.secret === null) throw new Error('DiskStore used before open()');
    return this.secret;
  }
}

export class ObjectTooLargeError extends Error {
  override readonly name = 'ObjectTooLargeError';
  readonly code = 'PAYLOAD_TOO_LARGE';
}

/** Passes bytes through until more than `maxBytes` went by, then fails the stream. */
function capped(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(new ObjectTooLargeError(`object is over ${maxBytes} bytes`));
      else done(null, chunk);
    },
  });
}

/** Keys the stores hold: an attempt's files (`runs/…`), archived logs (`logs/…`) and cache archives (`caches/…`), normalised. */
function isObjectKey(key: string): boolean {
  return /^(runs|logs|caches)\//.test(key) && artifactPathProblem(key) === null;
}

async function loadOrCreateSecret(path: string): Promise<Buffer> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(text)) return Buffer.from(text, 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32);
  await writeFile(path, `${secret.toString('hex')}\n`, { mode: 0o600 });
  return secret;
}
