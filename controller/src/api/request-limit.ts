/**
 * Refuses request bodies over a size with 413 and the usual error shape.
 *
 * A declared Content-Length over the limit is refused without being kept; a
 * chunked body is kept only up to the limit. A body slightly over the limit
 * (the rest within `drainBytes`) is still read and thrown away before the
 * answer goes out: a server that answers and closes while the client is
 * still sending resets the connection, and the reset can destroy the answer
 * before the client reads it. A larger body is not read: a declared one is
 * answered at once, a chunked one once `drainBytes` more came, and that
 * answer says `Connection: close`.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { errorBody } from './error-handler.js';
import type { RequestIdVariables } from './request-id.js';

export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
/** How much more than the limit a refused body may be and still be read (and discarded) before answering. */
export const DEFAULT_REFUSED_BODY_DRAIN_BYTES = 4 * 1024 * 1024;

type LimitContext = Context<{ Variables: RequestIdVariables }>;
type BodyReader = ReadableStreamDefaultReader<Uint8Array>;

export function limitRequestBodies(
  maxRequestBytes: number,
  drainBytes = DEFAULT_REFUSED_BODY_DRAIN_BYTES,
): MiddlewareHandler<{ Variables: RequestIdVariables }> {
  const refuse = async (c: LimitContext, reader: BodyReader | null) => {
    if (!reader || !(await discardRest(reader, drainBytes))) c.header('Connection', 'close');
    const message = `request body is over the limit of ${maxRequestBytes} bytes (GANTRY_MAX_REQUEST_BYTES)`;
    return c.json(errorBody('PAYLOAD_TOO_LARGE', message, undefined, c.var.requestId), 413);
  };
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.raw.headers.get('content-length');
    if (declared !== null && !c.req.raw.headers.has('transfer-encoding')) {
      const bytes = Number.parseInt(declared, 10);
      if (bytes <= maxRequestBytes) return next();
      return refuse(c, bytes <= maxRequestBytes + drainBytes ? body.getReader() : null);
    }
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxRequestBytes) return refuse(c, reader);
      chunks.push(value);
    }
    c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks) });
    return next();
  };
}

/** Reads and drops the rest of a body; false when it was longer than `bytes` and was cut off. */
async function discardRest(reader: BodyReader, bytes: number): Promise<boolean> {
  let read = 0;
  while (read <= bytes) {
    const { done, value } = await reader.read();
    if (done) return true;
    read += value.length;
  }
  await reader.cancel();
  return false;
}
