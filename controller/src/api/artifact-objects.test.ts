/**
 * The disk store's object URLs as an agent or a curious caller uses them:
 * a signed URL works for its key and method until it expires, and anything
 * else (no signature, a changed key, signature or expiry, another method, an
 * expired URL) is refused with 401 or 403 and touches nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskStore } from '../artifacts/disk-store.js';
import { createRouter } from './router.js';
import { artifactObjectRoutes } from './routes/artifact-objects.js';

const base = 'http://gantry.test';
const key = 'runs/r1/jobs/j1/attempts/1/dist/app bin';

describe('disk store object URLs', () => {
  let dir: string;
  let now = 1_000_000;
  let store: DiskStore;
  const app = createRouter();
  const request = (url: string, init?: RequestInit) => app.request(url.replace(base, ''), init);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-objects-'));
    store = new DiskStore({ dataDir: dir, baseUrl: () => base, nowSeconds: () => now });
    await store.open();
    app.route('/objects', artifactObjectRoutes(store, 1024));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a PUT and answers a GET through signed URLs', async () => {
    const put = await request(await store.presignUpload(key, 60), { method: 'PUT', body: 'the bytes' });
    expect(put.status).toBe(200);
    const get = await request(await store.presignDownload(key, 60));
    expect(get.status).toBe(200);
    expect(get.headers.get('content-length')).toBe('9');
    expect(await get.text()).toBe('the bytes');
  });

  it('refuses an unsigned upload and ends its connection rather than reading the body', async () => {
    const url = new URL(await store.presignUpload('runs/r1/jobs/j1/attempts/1/unsigned', 60));
    url.searchParams.delete('signature');
    const response = await request(url.toString(), { method: 'PUT', body: 'x'.repeat(2048) });
    expect(response.status).toBe(401);
    expect(response.headers.get('connection')).toBe('close');
    expect((await request(await store.presignDownload('runs/r1/jobs/j1/attempts/1/unsigned', 60))).status).toBe(404);
  });

  it.each<[string, (url: URL) => void, number, string]>([
    ['without a signature', (url) => url.searchParams.delete('signature'), 401, 'not signed'],
    ['with a changed signature', (url) => url.searchParams.set('signature', '0'.repeat(64)), 403, 'does not match'],
    ['with a later expiry', (url) => url.searchParams.set('expires', String(now + 10_000)), 403, 'does not match'],
    [
      'for another key',
      (url) => {
        url.pathname = url.pathname.replace('app%20bin', 'other');
      },
      403,
      'does not match',
    ],
    ['with the method changed', (url) => url.searchParams.set('method', 'PUT'), 403, 'does not match'],
  ])('refuses a download URL %s', async (_name, tamper, status, message) => {
    const url = new URL(await store.presignDownload(key, 60));
    tamper(url);
    const response = await request(url.toString());
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error: { message: expect.stringContaining(message) } });
  });

  it('refuses a download URL used to upload, and leaves the object alone', async () => {
    const response = await request(await store.presignDownload(key, 60), { method: 'PUT', body: 'overwritten' });
    expect(response.status).toBe(403);
    // The body of a refused upload is not read: the connection ends with the answer.
    expect(response.headers.get('connection')).toBe('close');
    expect(await (await request(await store.presignDownload(key, 60))).text()).toBe('the bytes');
  });

  it('refuses an expired URL', async () => {
    const url = await store.presignDownload(key, 60);
    now += 61;
    const response = await request(url);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { message: 'object URL has expired' } });
  });

  it('refuses an upload over the size limit with 413, storing nothing', async () => {
    const other = 'runs/r1/jobs/j1/attempts/1/big';
    const response = await request(await store.presignUpload(other, 60), { method: 'PUT', body: 'x'.repeat(2048) });
    expect(response.status).toBe(413);
    expect((await request(await store.presignDownload(other, 60))).status).toBe(404);
  });
});
