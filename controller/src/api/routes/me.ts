/** /api/me: the identity of the presented token. Any valid token may ask, whatever its roles. */
import type { ApiDeps } from '../app.js';
import { getMe } from '../contract/tokens.js';
import { createRouter } from '../router.js';

export function meRoutes(_deps: ApiDeps) {
  const app = createRouter();
  app.openapi(getMe, (c) => {
    const { name, roles, email } = c.get('principal');
    return c.json({ name, roles, email }, 200);
  });
  return app;
}
