import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTransientTransferError, uploadFile } from './object-transfer.js';

/** More than the upload's read-ahead buffers hold at once, and not a whole number of them. */
const BIG = 5 * 1024 * 1024 + 12_345;

describe('uploadFile', () => {
  let dir: string;
  let server: Server;
  let base: string;
  const received = new Map<string, Buffer>();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-transfer-'));
    server = createServer((request: IncomingMessage, response) => {
      if (request.url === '/hang-up') {
        // Takes a little of the body, then drops the connection without an answer.
        request.once('data', () => request.socket.destroy());
        return;
      }
      const parts: Buffer[] = [];
      request.on('data', (part: Buffer) => parts.push(part));
      request.on('end', () => {
        received.set(request.url ?? '', Buffer.concat(parts));
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the file byte for byte and digests what it sent', async () => {
    const bytes = randomBytes(BIG);
    const path = join(dir, 'big.bin');
    writeFileSync(path, bytes);
    const digest = await uploadFile(`${base}/big`, path, BIG);
    expect(received.get('/big')?.equals(bytes)).toBe(true);
    expect(digest).toEqual({ size: BIG, sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('sends an empty file', async () => {
    const path = join(dir, 'empty');
    writeFileSync(path, '');
    const digest = await uploadFile(`${base}/empty`, path, 0);
    expect(received.get('/empty')?.length).toBe(0);
    expect(digest.sha256).toBe(createHash('sha256').digest('hex'));
  });

  it('refuses a file that grew after it was measured', async () => {
    const path = join(dir, 'grown.bin');
    writeFileSync(path, randomBytes(1000));
    appendFileSync(path, 'more');
    await expect(uploadFile(`${base}/grown`, path, 1000)).rejects.toThrow(
      'file changed while it was uploaded (1000 bytes became 1004)',
    );
  });

  it('refuses a file that shrank after it was measured', async () => {
    const path = join(dir, 'shrunk.bin');
    writeFileSync(path, randomBytes(900));
    await expect(uploadFile(`${base}/shrunk`, path, 1000)).rejects.toThrow('1000 bytes became 900');
  });

  it('fails as a retryable error, and does not wait forever, when the store drops the connection', async () => {
    const path = join(dir, 'dropped.bin');
    writeFileSync(path, randomBytes(BIG));
    const failure = await uploadFile(`${base}/hang-up`, path, BIG).catch((error: unknown) => error);
    // ECONNRESET or EPIPE, depending on when the socket notices: either is retried.
    expect(isTransientTransferError(failure)).toBe(true);
  });
});
