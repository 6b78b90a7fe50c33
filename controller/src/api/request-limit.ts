/**
 * Refuses request bodies over a size with 413 and the usual error shape.
 * A declared Content-Length over the limit is refused before anything is
 * read; a chunked body is read only up to the limit. The answer closes the
 * connection, since the unread rest of the body is still on it.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { errorBody } from './error-handler.js';
import type { RequestIdVariables } from './request-id.js';

export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;

export function limitRequestBodies(maxRequestBytes: number): MiddlewareHandler<{ Variables: RequestIdVariables }> {
  return bodyLimit({
    maxSize: maxRequestBytes,
    onError: (c) => {
      // The rest of the body is never read, so the connection cannot carry another request.
      c.header('Connection', 'close');
      const message = `request body is over the limit of ${maxRequestBytes} bytes (GANTRY_MAX_REQUEST_BYTES)`;
      return c.json(errorBody('PAYLOAD_TOO_LARGE', message, undefined, c.var.requestId), 413);
    },
  });
}
