/**
 * Refuses request bodies over a size with 413 and the usual error shape.
 * A declared Content-Length over the limit is refused before anything is
 * read; a chunked body is read only up to the limit.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { errorBody } from './error-handler.js';

export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;

export function limitRequestBodies(maxRequestBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxRequestBytes,
    onError: (c) =>
      c.json(
        errorBody(
          'PAYLOAD_TOO_LARGE',
          `request body is over the limit of ${maxRequestBytes} bytes (GANTRY_MAX_REQUEST_BYTES)`,
        ),
        413,
      ),
  });
}
