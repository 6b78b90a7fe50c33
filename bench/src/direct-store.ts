/**
 * The artifacts scenario's baseline: the same file PUT to and GET from the
 * farm's own disk store directly, as any HTTP client holding a signed URL
 * would (URLs signed here with the store's key, read from the controller's
 * data directory). Same store, same server, same disk as Gantry's path, but
 * no agent, no gRPC presign or commit call and no SHA-256: streamed with the
 * 1 MiB buffers Gantry's own transfers use.
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type IncomingMessage, request } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { DiskStore } from '@gantry/controller';
import { syncDisks, timed } from './direct-files.js';
import type { Farm } from './farm.js';

const execFileAsync = promisify(execFile);
const streamBuffer = { highWaterMark: 1024 * 1024 };

export interface StoreTransferTimes {
  putMs: number;
  getMs: number;
  /** The same PUT and GET by curl, when it is installed: a client that is not Node's. */
  curl?: { putMs: number; getMs: number };
}

/** PUTs `file` to the farm's disk store under a key of its own, then GETs it back into `received`. */
export async function timeStoreTransfers(farm: Farm, file: string, received: string): Promise<StoreTransferTimes> {
  const store = new DiskStore({ dataDir: farm.dataDir, baseUrl: () => farm.controller.httpUrl });
  await store.open();
  const key = `runs/bench-direct/${Date.now()}/big.bin`;
  const { size } = await stat(file);
  const putUrl = await store.presignUpload(key, 600);
  const getUrl = await store.presignDownload(key, 600);
  await syncDisks();
  const putMs = await timed(async () => {
    const put = request(putUrl, { method: 'PUT', headers: { 'content-length': String(size) } });
    const [answer] = await Promise.all([responseOf(put), pipeline(createReadStream(file, streamBuffer), put)]);
    await expectOk(answer, 'PUT');
  });
  await syncDisks();
  const getMs = await timed(async () => {
    const get = request(getUrl, { method: 'GET' });
    get.end();
    const answer = await responseOf(get);
    if (answer.statusCode !== 200) await expectOk(answer, 'GET');
    await pipeline(answer, createWriteStream(received, streamBuffer));
  });
  const got = (await stat(received)).size;
  if (got !== size) throw new Error(`direct GET from the store gave ${got} bytes, not ${size}`);
  return { putMs, getMs, curl: await timeCurlTransfers(store, `${key}.curl`, file, received) };
}

/** curl's own total time (`%{time_total}`) for the same PUT and GET; undefined when curl is not installed. */
async function timeCurlTransfers(store: DiskStore, key: string, file: string, received: string) {
  const curl = async (...args: string[]) => {
    const { stdout } = await execFileAsync('curl', ['-sSf', '-w', '%{time_total}', ...args]);
    return Number(stdout.trim()) * 1000;
  };
  try {
    await execFileAsync('curl', ['--version']);
  } catch {
    return undefined;
  }
  await syncDisks();
  const putMs = await curl('-o', '/dev/null', '-T', file, await store.presignUpload(key, 600));
  await syncDisks();
  const getMs = await curl('-o', received, await store.presignDownload(key, 600));
  return { putMs, getMs };
}

function responseOf(outgoing: ReturnType<typeof request>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    outgoing.once('response', resolve);
    outgoing.once('error', reject);
  });
}

async function expectOk(answer: IncomingMessage, method: string): Promise<void> {
  let body = '';
  for await (const piece of answer) body += piece;
  if (answer.statusCode !== 200)
    throw new Error(`direct ${method} to the store answered ${answer.statusCode}: ${body}`);
}
