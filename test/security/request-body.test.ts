/**
 * A 50 MB request body, declared or chunked, to the routes anyone can reach:
 * the API with a token, the push webhook (no token), the sign-in form, and an
 * unsigned artifact-object upload. Each is refused early with 413 (401 for
 * the unsigned upload), nothing is created or stored, and the controller stays
 * healthy.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Farm, startFarm } from '../e2e/farm-fixture.js';
import { waitFor } from '../e2e/wait.js';

const fiftyMegabytes = 50 * 1024 * 1024;
const tooLarge = 'request body is over the limit of 1048576 bytes (GANTRY_MAX_REQUEST_BYTES)';

/**
 * With `declareLength`, sends only the headers (Content-Length: the whole
 * body) and waits: a server that would read the body never answers. Chunked,
 * sends `bytes` in 64 KiB writes as fast as the connection takes them and
 * stops once the server answers. Either way an answer proves the server
 * refused the body without reading it all.
 */
function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  bytes: Buffer,
  declareLength: boolean,
): Promise<{ status: number | 'reset'; text: string; bytesSent: number }> {
  return new Promise((resolve, reject) => {
    const requestHeaders = declareLength ? { ...headers, 'content-length': String(bytes.length) } : headers;
    let answered = false;
    let bytesSent = 0;
    const request = http.request(url, { method, headers: requestHeaders }, (response) => {
      answered = true;
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(parts).toString(), bytesSent });
        request.destroy();
      });
      response.on('error', reject);
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
      // The server closed while bytes were still coming: the answer may be lost with the connection.
      else if (!answered) resolve({ status: 'reset', text: '', bytesSent });
    });
    const piece = 64 * 1024;
    const writeMore = () => {
      while (!answered && bytesSent < bytes.length) {
        const chunk = bytes.subarray(bytesSent, bytesSent + piece);
        bytesSent += chunk.length;
        if (!request.write(chunk)) {
          request.once('drain', writeMore);
          return;
        }
      }
      if (!answered) request.end();
    };
    request.flushHeaders();
    if (!declareLength) writeMore();
  });
}

/** How many `http request` lines the controller logged for `path` with `status`. */
function refusalsLogged(farm: Farm, path: string, status: number): number {
  return farm.controller
    .logs()
    .split('\n')
    .filter((line) => line.includes('"msg":"http request"'))
    .filter((line) => line.includes(`"path":${JSON.stringify(path)}`) && line.includes(`"status":${status}`)).length;
}

describe('a 50 MB request body', () => {
  let farm: Farm;
  const body = Buffer.alloc(fiftyMegabytes, 'x');

  beforeAll(async () => {
    farm = await startFarm({ agents: 0 });
  });
  afterAll(async () => {
    await farm?.stop();
  });

  const routes = [
    {
      name: 'POST /api/runs with a token',
      method: 'POST',
      path: '/api/runs',
      headers: () => ({ authorization: `Bearer ${farm.adminToken}`, 'content-type': 'application/json' }),
      status: 413,
      message: tooLarge,
    },
    {
      name: 'POST /api/hooks/push without a token',
      method: 'POST',
      path: '/api/hooks/push',
      headers: () => ({ 'x-gitea-event': 'push', 'content-type': 'application/json' }),
      status: 413,
      message: tooLarge,
    },
    {
      name: 'POST /login, the sign-in form',
      method: 'POST',
      path: '/login',
      headers: () => ({ 'content-type': 'application/x-www-form-urlencoded' }),
      status: 413,
      message: tooLarge,
    },
    {
      name: 'PUT /objects/… without a signature',
      method: 'PUT',
      path: '/objects/runs/forged/big.bin',
      headers: () => ({ 'content-type': 'application/octet-stream' }),
      status: 401,
      message: undefined,
    },
  ];

  it.each(routes.flatMap((route) => [true, false].map((declareLength) => ({ ...route, declareLength }))))(
    'refuses $name (declared length: $declareLength)',
    async ({ method, path, headers, status, message, declareLength }) => {
      const refusals = () => refusalsLogged(farm, path, status);
      const before = refusals();
      const answer = await send(new URL(path, farm.controller.httpUrl), method, headers(), body, declareLength);
      expect(answer.bytesSent).toBeLessThan(fiftyMegabytes);
      if (answer.status === 'reset') {
        // Chunked, the connection can be reset before the answer is read: the controller's log shows the refusal.
        await waitFor(`the controller to log ${status} for ${path}`, () => refusals() > before);
        return;
      }
      expect(answer.status).toBe(status);
      if (message) expect(JSON.parse(answer.text).error.message).toBe(message);
    },
  );

  it('created no run, stored no object, and stays healthy', async () => {
    const runs = await farm.client.GET('/api/runs', { params: { query: { limit: 10 } } });
    expect(runs.data?.runs).toEqual([]);
    expect(existsSync(join(farm.controllerDataDir, 'artifacts', 'runs', 'forged'))).toBe(false);
    expect((await fetch(`${farm.controller.httpUrl}/healthz`)).status).toBe(200);
  });
});
