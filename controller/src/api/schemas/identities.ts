/**
 * Bodies of /api/tokens and /api/me (see runs.ts for how the schemas are
 * used). A token is an identity with roles; its secret is answered once, by
 * POST /api/tokens, and never stored.
 */
import { z } from '@hono/zod-openapi';
import { maxRolesPerToken, roleNamePattern } from '../../domain/identity.js';

/** Names appear in runs' `triggeredBy`, approvals and the audit trail; lower case, so no two look alike. */
const tokenName = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const timestamp = z.iso.datetime();

export const Role = z
  .string()
  .regex(roleNamePattern, 'each role must be 1 to 64 lower-case letters, digits or "-"')
  .openapi('Role', {
    description:
      'read, trigger (runs), approve (gated stages) or admin (everything); any other name (e.g. `release`) is a custom role: it grants no permission, a gate may list it as `role:NAME`.',
  });

export const CreateTokenRequest = z
  .object({
    name: z
      .string()
      .regex(
        tokenName,
        'name must be 1 to 64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
      )
      .openapi({ description: 'Who the token is for; the name runs, approvals and the audit trail show.' }),
    roles: z
      .array(Role)
      .min(1, 'roles must name at least one role')
      .max(maxRolesPerToken, `roles: at most ${maxRolesPerToken}`),
    email: z.email('email must be an e-mail address').max(254).optional(),
    expiresIn: z.string().max(32).optional().openapi({ description: 'e.g. `90d` or `12h`; without it, never.' }),
  })
  .strict()
  .openapi('CreateTokenRequest');

export const Token = z
  .object({
    name: z.string(),
    roles: z.array(Role),
    email: z.string().nullable(),
    createdBy: z.string().openapi({ description: 'The identity that created the token.' }),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable().openapi({ description: 'Recorded at most once a minute.' }),
    expiresAt: timestamp.nullable(),
  })
  .openapi('Token');

export const CreatedToken = Token.extend({
  token: z.string().openapi({ description: 'The bearer token itself; shown only this once.' }),
}).openapi('CreatedToken');

export const TokenList = z.object({ tokens: z.array(Token) }).openapi('TokenList');

export const RevokedToken = z.object({ name: z.string(), revoked: z.literal(true) }).openapi('RevokedToken');

export const Identity = z
  .object({ name: z.string(), roles: z.array(Role), email: z.string().nullable() })
  .openapi('Identity');

export type Token = z.infer<typeof Token>;
