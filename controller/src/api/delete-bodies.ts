/**
 * A DELETE takes what it deletes from its path and query, never from a body:
 * a body there (`{"repo": …}` sent to `DELETE /api/caches`) is a filter the
 * route would silently drop, deleting more than was asked. It is refused with
 * 400 INVALID_INPUT instead. Runs after the request-body limit and the
 * route's role check (contract/role.ts), so only a caller who may delete learns of it.
 */
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './error-handler.js';

export function refuseDeleteBodies(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'DELETE' && c.req.raw.body !== null && (await c.req.text()).trim() !== '') {
      throw new ApiError(
        'INVALID_INPUT',
        `DELETE ${c.req.path} takes no request body: give its parameters in the query (e.g. ?repo=…)`,
      );
    }
    await next();
  };
}
