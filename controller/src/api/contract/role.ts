/**
 * The role an /api route needs, declared with the route: its check runs as the
 * route's first middleware (before the request is validated, so a caller
 * without the role learns nothing from validation errors), and the document
 * names the role as `x-gantry-role`.
 */
import type { MiddlewareHandler } from 'hono';
import type { Role } from '../../domain/identity.js';
import { requireRole } from '../auth.js';

export function needsRole<M extends MiddlewareHandler[]>(role: Role, ...then: M) {
  const middleware: [ReturnType<typeof requireRole>, ...M] = [requireRole(role), ...then];
  return { 'x-gantry-role': role, middleware };
}
