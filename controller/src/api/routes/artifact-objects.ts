/**
 * The disk store's object URLs: `PUT /objects/<key>` and `GET /objects/<key>`,
 * each answered only for a URL the controller signed for that key and that
 * method, until it expires (401 unsigned, 403 tampered, expired or another
 * method). No bearer token: the signature is the permission. Bodies stream
 * to and from disk; a PUT over `maxObjectBytes` is refused with 413. A
 * refused PUT is answered with `Connection: close`, its body unread. Served
 * by Node's HTTP server, the bytes go between the socket and the file as Node
 * streams, without a detour through web streams (which costs about half the
 * throughput); under `app.request()` (tests) the web body is used.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import { ArtifactStoreError } from '../../artifacts/artifact-store.js';
import { type DiskStore, ObjectTooLargeError } from '../../artifacts/disk-store.js';
import { errorBody } from '../error-handler.js';
import { createRouter } from '../router.js';

/** The largest object the disk store takes in one PUT (S3's own single-PUT limit). */
export const DEFAULT_MAX_OBJECT_BYTES = 5 * 1024 ** 3;

export function artifactObjectRoutes(store: DiskStore, maxObjectBytes = DEFAULT_MAX_OBJECT_BYTES) {
  const app = createRouter();

  /** The refusal to answer a request on `/objects/…` with, or the key it may use. */
  type Checked = { key: string; response?: undefined } | { key?: undefined; response: Response };
  const refusal = (c: Context, method: string): Checked => {
    const refuse = (message: string, status: 401 | 403): Checked => {
      // A refused upload's body is never read: the connection ends with the answer
      // (kept open, Node's server would read and drop the whole body first).
      if (method === 'PUT') c.header('Connection', 'close');
      const code = status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN';
      return { response: c.json(errorBody(code, message, undefined, c.get('requestId')), status) };
    };
    const key = keyOf(c.req.url);
    if (key === null) return refuse('not an object key', 403);
    const verdict = store.verify(method, key, c.req.query());
    return verdict.ok ? { key } : refuse(verdict.message, verdict.status);
  };

  app.put('/*', async (c) => {
    const checked = refusal(c, 'PUT');
    if (checked.response) return checked.response;
    const declared = Number(c.req.header('content-length') ?? Number.NaN);
    if (declared > maxObjectBytes) return tooLarge(c, maxObjectBytes);
    const body = nodeRequestOf(c) ?? webBodyOf(c);
    try {
      await store.write(checked.key, body, maxObjectBytes);
    } catch (error) {
      if (error instanceof ObjectTooLargeError) return tooLarge(c, maxObjectBytes);
      throw error;
    }
    return c.body(null, 200);
  });

  app.on(['GET', 'HEAD'], '/*', async (c) => {
    const checked = refusal(c, c.req.method);
    if (checked.response) return checked.response;
    try {
      const { body, size } = await store.read(checked.key);
      const headers = { 'content-type': 'application/octet-stream', 'content-length': String(size) };
      if (c.req.method === 'HEAD') {
        body.destroy();
        return c.body(null, 200, headers);
      }
      const outgoing = nodeResponseOf(c);
      if (outgoing) {
        outgoing.writeHead(200, headers);
        // A client that goes away mid-way ends the pipeline with an error: nothing more to answer.
        await pipeline(body, outgoing).catch(() => {});
        return alreadySent();
      }
      return c.body(Readable.toWeb(body) as ReadableStream<Uint8Array>, 200, headers);
    } catch (error) {
      if (error instanceof ArtifactStoreError && error.code === 'OBJECT_NOT_FOUND') {
        return c.json(errorBody('NOT_FOUND', 'no such object', undefined, c.get('requestId')), 404);
      }
      throw error;
    }
  });

  return app;
}

/**
 * Tells @hono/node-server the answer was written on the socket already. The
 * adapter (2.1) honours that mark only on a materialised Response: given its
 * own lightweight kind, which Hono makes whenever a middleware sets a header
 * after the handler (X-Request-Id here) from a response that is not
 * materialised, it writes the head again and logs ERR_HTTP_HEADERS_SENT. So
 * the mark is a Response made now (the adapter's kind, once it serves) and
 * materialised by reading one of its fields; a copy Hono makes of it is then
 * materialised too.
 */
function alreadySent(): Response {
  const sent = new Response(null, { headers: RESPONSE_ALREADY_SENT.headers });
  void sent.bodyUsed;
  return sent;
}

/** The Node request under @hono/node-server, whose body nothing has read yet. */
function nodeRequestOf(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

function nodeResponseOf(c: Context): ServerResponse | undefined {
  return (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
}

function webBodyOf(c: Context): Readable {
  const raw = c.req.raw.body;
  return raw ? Readable.fromWeb(raw as WebReadableStream<Uint8Array>) : Readable.from([]);
}

/** The object key of `/objects/<key>`, segments percent-decoded; null when it cannot be one. */
function keyOf(url: string): string | null {
  const path = new URL(url).pathname;
  const prefix = '/objects/';
  if (!path.startsWith(prefix)) return null;
  try {
    return path.slice(prefix.length).split('/').map(decodeURIComponent).join('/');
  } catch {
    return null;
  }
}

function tooLarge(c: Context, maxBytes: number) {
  c.header('Connection', 'close');
  return c.json(errorBody('PAYLOAD_TOO_LARGE', `object is over the limit of ${maxBytes} bytes`), 413);
}
