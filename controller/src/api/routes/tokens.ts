/** /api/tokens (admin): create an identity with roles, list them, revoke one. */

import { gantryActor } from '../../domain/audit.js';
import { NotFoundError } from '../../domain/errors.js';
import { bootstrapAdminName } from '../../domain/identity.js';
import { parseDuration } from '../../pipeline/duration.js';
import { type ApiToken, deleteApiToken, insertApiToken, listApiTokens } from '../../store/api-tokens-repository.js';
import type { ApiDeps } from '../app.js';
import { createToken, listTokens, revokeToken } from '../contract/tokens.js';
import { ApiError } from '../error-handler.js';
import { createRouter } from '../router.js';
import type { Token } from '../schemas/identities.js';
import { generateApiToken, hashApiToken } from '../token-secret.js';
import { webhookActor } from './webhooks.js';

const maxExpiryMs = 3650 * 86_400_000;

/** Names Gantry acts under in the audit trail and as a run's `triggeredBy`: no token may bear one. */
const reservedNames: ReadonlyMap<string, string> = new Map([
  [bootstrapAdminName, 'the bootstrap GANTRY_ADMIN_TOKEN'],
  [gantryActor, 'Gantry itself (gate timeouts, superseded runs)'],
  [webhookActor, 'runs started by webhook deliveries'],
]);

export function tokenRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(createToken, async (c) => {
    const body = c.req.valid('json');
    const reserved = reservedNames.get(body.name);
    if (reserved !== undefined) throw new ApiError('CONFLICT', `the name "${body.name}" belongs to ${reserved}`);
    const expiresInMs = body.expiresIn === undefined ? null : parseExpiry(body.expiresIn);
    const secret = generateApiToken();
    const roles = [...new Set(body.roles)];
    const created = await deps.db.transaction(async (tx) => {
      const token = await insertApiToken(tx, {
        name: body.name,
        tokenHash: hashApiToken(secret),
        roles,
        email: body.email ?? null,
        createdBy: c.get('principal').name,
        expiresInMs,
      });
      await c.var.audit(
        {
          action: 'token.create',
          details: { name: token.name, roles, email: token.email, expiresAt: token.expiresAt?.toISOString() ?? null },
        },
        tx,
      );
      return token;
    });
    return c.json({ token: secret, ...tokenView(created) }, 201);
  });

  app.openapi(listTokens, async (c) => {
    const tokens = await listApiTokens(deps.db);
    return c.json({ tokens: tokens.map(tokenView) }, 200);
  });

  app.openapi(revokeToken, async (c) => {
    const { name } = c.req.valid('param');
    const deleted = await deps.db.transaction(async (tx) => {
      if (!(await deleteApiToken(tx, name))) return false;
      await c.var.audit({ action: 'token.revoke', details: { name } }, tx);
      return true;
    });
    if (!deleted) throw new NotFoundError(`no token named "${name.slice(0, 64)}"`);
    return c.json({ name, revoked: true as const }, 200);
  });

  return app;
}

function parseExpiry(text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new ApiError('INVALID_INPUT', `expiresIn: ${parsed.message}`);
  if (parsed.ms > maxExpiryMs) throw new ApiError('INVALID_INPUT', `expiresIn: "${text}" is longer than 3650d`);
  return parsed.ms;
}

/** Everything known of a token but its secret and hash. */
function tokenView(token: ApiToken): Token {
  return {
    name: token.name,
    roles: token.roles,
    email: token.email,
    createdBy: token.createdBy,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    expiresAt: token.expiresAt?.toISOString() ?? null,
  };
}
