/**
 * Gives every HTTP request an id: the caller's `X-Request-Id` when it is a
 * sane token (1–128 of `A-Z a-z 0-9 . _ : / + = -`), a new UUID otherwise.
 * Handlers and the error handler read it as `c.var.requestId`; the answer
 * carries it back in `X-Request-Id`, errors also in their body.
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

export type RequestIdVariables = { requestId: string };

const saneRequestId = /^[A-Za-z0-9._:/+=-]{1,128}$/;

export const requestIdHeader = 'X-Request-Id';

/** The caller's id when it is sane, else a fresh one. */
export function chooseRequestId(given: string | undefined): string {
  return given !== undefined && saneRequestId.test(given) ? given : randomUUID();
}

export function assignRequestId(): MiddlewareHandler<{ Variables: RequestIdVariables }> {
  return async (c, next) => {
    const requestId = chooseRequestId(c.req.header(requestIdHeader));
    c.set('requestId', requestId);
    await next();
    c.header(requestIdHeader, requestId);
  };
}
