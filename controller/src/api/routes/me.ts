/** /api/me: the identity of the presented token. Any valid token may ask, whatever its roles. */
import { Hono } from 'hono';
import type { ApiDeps } from '../app.js';
import type { AuthVariables } from '../auth.js';

export function meRoutes(_deps: ApiDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/', (c) => {
    const { name, roles, email } = c.get('principal');
    return c.json({ name, roles, email });
  });
  return app;
}
