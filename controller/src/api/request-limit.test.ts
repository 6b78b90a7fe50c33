import { Hono } from 'hono';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { type ApiDeps, createApp } from './app.js';
import { assignRequestId, type RequestIdVariables } from './request-id.js';
import { limitRequestBodies } from './request-limit.js';

const LIMIT = 1024;
const token = 'admin-token-for-the-test';

/** The routes under test refuse or reject a body before touching these. */
const unreachable = new Proxy(
  {},
  {
    get(_target, name) {
      throw new Error(`the request reached the store/scheduler (${String(name)})`);
    },
  },
);

const app = createApp({
  db: unreachable as ApiDeps['db'],
  scheduler: unreachable as ApiDeps['scheduler'],
  runControl: unreachable as ApiDeps['runControl'],
  source: unreachable as ApiDeps['source'],
  adminToken: token,
  secrets: unreachable as ApiDeps['secrets'],
  baseUrl: 'http://127.0.0.1:8080',
  log: pino({ level: 'silent' }),
  health: async () => ({ ok: true, checks: {} }),
  maxRequestBytes: LIMIT,
});

const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const tooLarge = {
  error: {
    code: 'PAYLOAD_TOO_LARGE',
    message: `request body is over the limit of ${LIMIT} bytes (GANTRY_MAX_REQUEST_BYTES)`,
    requestId: expect.any(String),
  },
};

/** A streamed body of `chunks` chunks (endless when omitted) that counts what was pulled from it. */
function countedBody(chunkBytes: number, chunks = Number.POSITIVE_INFINITY) {
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= chunks * chunkBytes) return controller.close();
      counter.pulled += chunkBytes;
      controller.enqueue(new Uint8Array(chunkBytes).fill(0x20));
    },
  });
  return { stream, counter };
}

function streamedPost(body: ReadableStream<Uint8Array>, extraHeaders: Record<string, string> = {}) {
  return { method: 'POST', headers: { ...headers, ...extraHeaders }, body, duplex: 'half' } as RequestInit;
}

describe('request body limit', () => {
  it.each([
    ['POST /api/runs', '/api/runs'],
    ['POST /api/runs/:id/cancel', '/api/runs/some-run/cancel'],
    ['POST /api/runs/:id/stages/:stage/approve', '/api/runs/some-run/stages/production/approve'],
    ['POST /api/agents/:id/drain', '/api/agents/some-agent/drain'],
    ['an unknown route', '/api/nothing-here'],
  ])('answers 413 with the error shape on %s when Content-Length is over the limit', async (_name, path) => {
    const response = await app.request(path, { method: 'POST', headers, body: 'x'.repeat(LIMIT + 1) });
    expect(response.status).toBe(413);
    // The whole body was read, so the connection can carry the next request.
    expect(response.headers.get('connection')).toBeNull();
    expect(await response.json()).toEqual(tooLarge);
  });

  it('reads the rest of a refused body before answering, so the client is not reset mid-send', async () => {
    const { stream, counter } = countedBody(256, 40);
    const response = await app.request('/api/runs', streamedPost(stream, { 'content-length': String(40 * 256) }));
    expect(response.status).toBe(413);
    expect(counter.pulled).toBe(40 * 256);
    expect(await response.json()).toEqual(tooLarge);
  });

  it('answers a declared body far over the limit at once, without reading it, and closes the connection', async () => {
    const drainBytes = 4096;
    const limited = new Hono<{ Variables: RequestIdVariables }>();
    limited.use(assignRequestId(), limitRequestBodies(LIMIT, drainBytes));
    limited.post('/upload', (c) => c.text('reached the route'));
    const { stream, counter } = countedBody(256, 100);
    const declared = String(LIMIT + drainBytes + 1);
    const response = await limited.request('/upload', streamedPost(stream, { 'content-length': declared }));
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual(tooLarge);
    // The request's stream may have one chunk queued ahead; nothing was read.
    expect(counter.pulled).toBeLessThanOrEqual(256);
  });

  it('refuses a chunked body once it passes the limit, after reading its rest', async () => {
    const { stream, counter } = countedBody(256, 40);
    const response = await app.request('/api/runs', streamedPost(stream, { 'transfer-encoding': 'chunked' }));
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBeNull();
    expect(await response.json()).toEqual(tooLarge);
    expect(counter.pulled).toBe(40 * 256);
  });

  it('cuts off an endless body after the drain bound and closes the connection', async () => {
    const drainBytes = 4096;
    const limited = new Hono<{ Variables: RequestIdVariables }>();
    limited.use(assignRequestId(), limitRequestBodies(LIMIT, drainBytes));
    limited.post('/upload', (c) => c.text('reached the route'));
    const { stream, counter } = countedBody(256);
    const response = await limited.request('/upload', streamedPost(stream, { 'transfer-encoding': 'chunked' }));
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual(tooLarge);
    // The reader may have one chunk queued ahead of what it consumed.
    expect(counter.pulled).toBeLessThanOrEqual(LIMIT + drainBytes + 3 * 256);
  });

  it('lets a body at the limit through to the route', async () => {
    const body = JSON.stringify({ repo: '' }).padEnd(LIMIT, ' ');
    const response = await app.request('/api/runs', { method: 'POST', headers, body });
    expect(response.status).toBe(400);
    expect(((await response.json()) as typeof tooLarge).error.code).toBe('INVALID_INPUT');
  });
});
