/** /api/tokens (admin): create an identity with roles, list them, revoke one. */
import { Hono } from 'hono';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import { bootstrapAdminName, roleNames } from '../../domain/identity.js';
import { parseDuration } from '../../pipeline/duration.js';
import { type ApiToken, deleteApiToken, insertApiToken, listApiTokens } from '../../store/api-tokens-repository.js';
import type { ApiDeps } from '../app.js';
import { type AuthVariables, requireRole } from '../auth.js';
import { ApiError } from '../error-handler.js';
import { readJsonBody } from '../json-body.js';
import { generateApiToken, hashApiToken } from '../token-secret.js';

/** Names appear in runs' `triggeredBy`, approvals and the audit trail; lower case, so no two look alike. */
const tokenName = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const maxExpiryMs = 3650 * 86_400_000;

const createBody = z
  .object({
    name: z
      .string()
      .regex(
        tokenName,
        'name must be 1 to 64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
      ),
    roles: z
      .array(z.enum(roleNames, { message: `each role must be one of ${roleNames.join(', ')}` }))
      .min(1, 'roles must name at least one role')
      .max(roleNames.length),
    email: z.email('email must be an e-mail address').max(254).optional(),
    expiresIn: z.string().max(32).optional(),
  })
  .strict();

export function tokenRoutes(deps: ApiDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();

  app.post('/', requireRole('admin'), async (c) => {
    const body = await readJsonBody(c, createBody);
    if (body.name === bootstrapAdminName) {
      throw new ApiError('CONFLICT', `the name "${bootstrapAdminName}" belongs to the bootstrap GANTRY_ADMIN_TOKEN`);
    }
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

  app.get('/', requireRole('admin'), async (c) => {
    const tokens = await listApiTokens(deps.db);
    return c.json({ tokens: tokens.map(tokenView) });
  });

  app.delete('/:name', requireRole('admin'), async (c) => {
    const name = c.req.param('name');
    const deleted = await deps.db.transaction(async (tx) => {
      if (!(await deleteApiToken(tx, name))) return false;
      await c.var.audit({ action: 'token.revoke', details: { name } }, tx);
      return true;
    });
    if (!deleted) throw new NotFoundError(`no token named "${name.slice(0, 64)}"`);
    return c.json({ name, revoked: true });
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
function tokenView(token: ApiToken) {
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
