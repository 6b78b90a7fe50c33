/**
 * The role an /api route needs, declared with the route: its check runs as the
 * route's first middleware (before the request is validated, so a caller
 * without the role learns nothing from validation errors), and the document
 * names the role as `x-gantry-role`.
 */
import type { MiddlewareHandler } from 'hono';
import type { Role } from '../../domain/identity.js';
import { requireRole } from '../auth.js';
import { refuseDeleteBodies } from '../delete-bodies.js';

export function needsRole<M extends MiddlewareHandler[]>(role: Role, ...then: M) {
  // A DELETE's body is refused once the caller is known to hold the role (delete-bodies.ts).
  const middleware: [ReturnType<typeof requireRole>, MiddlewareHandler, ...M] = [
    requireRole(role),
    refuseDeleteBodies(),
    ...then,
  ];
  return { 'x-gantry-role': role, middleware };
}
