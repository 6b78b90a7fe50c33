/**
 * The OpenAPI 3.1 document of the API, served as `GET /openapi.json` (no token)
 * and written to client/openapi.json by `npm run generate:api`, from which
 * @gantry/client's types are generated.
 */
import { readFileSync } from 'node:fs';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { getOpenApiDocument } from './contract/health.js';
import type { ApiEnv } from './router.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Registers the bearer scheme the /api routes name and serves the document at /openapi.json. */
export function serveOpenApiDocument(app: OpenAPIHono<ApiEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description:
      'A token made with `POST /api/tokens`, or the bootstrap admin token (`GANTRY_ADMIN_TOKEN`, or the file DATA_DIR/admin-token). Each route names the role it needs as `x-gantry-role`.',
  });
  app.openapi(getOpenApiDocument, (c) => c.json({ ...app.getOpenAPI31Document(openApiInfo) }, 200));
}

export const openApiInfo = {
  openapi: '3.1.0',
  info: {
    title: 'Gantry API',
    version,
    description:
      'Trigger, follow, approve and cancel runs of the Gantry build farm; list and drain its agents; manage the tokens of its identities and read the audit trail.',
  },
};
