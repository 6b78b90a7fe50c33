/**
 * Bearer-token authentication and role checks for /api.
 *
 * `authenticate` runs for every /api request: the bootstrap GANTRY_ADMIN_TOKEN
 * (compared in constant time) is the identity `admin`; any other token is
 * looked up by its SHA-256 among the tokens made with POST /api/tokens. No,
 * unknown, revoked or expired token → 401. It sets `principal` and `audit`.
 *
 * `requireRole(role)` goes in front of each route's handler: a principal
 * without the role gets 403 naming the role, and the refusal is audited (with
 * the path cut to a bound: anyone with a token may send a long one).
 */
import { timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { NewAuditEvent } from '../domain/audit.js';
import { bootstrapAdminName, hasRole, type Principal, type Role } from '../domain/identity.js';
import { findApiTokenByHash, recordApiTokenUse } from '../store/api-tokens-repository.js';
import { recordAuditEvent } from '../store/audit-repository.js';
import type { Database, Queryable } from '../store/database.js';
import { ApiError } from './error-handler.js';
import { hashApiToken } from './token-secret.js';

export type { Principal } from '../domain/identity.js';

/** Appends an audit event on behalf of the request's principal and address; `db` may be a transaction. */
export type AuditRecorder = (event: Omit<NewAuditEvent, 'actor' | 'sourceAddress'>, db?: Queryable) => Promise<void>;

export type AuthVariables = { principal: Principal; audit: AuditRecorder };

export interface AuthDeps {
  db: Database;
  adminToken: string;
  log: Logger;
}

export function authenticate(deps: AuthDeps): MiddlewareHandler<{ Variables: AuthVariables }> {
  const adminHash = Buffer.from(hashApiToken(deps.adminToken), 'hex');
  return async (c, next) => {
    const presentedHash = hashApiToken(bearerToken(c.req.header('authorization')));
    const principal = timingSafeEqual(Buffer.from(presentedHash, 'hex'), adminHash)
      ? bootstrapAdmin
      : await principalOfToken(deps, presentedHash);
    const sourceAddress = sourceAddressOf(c);
    c.set('principal', principal);
    c.set('audit', (event, db = deps.db) => recordAuditEvent(db, { ...event, actor: principal.name, sourceAddress }));
    await next();
  };
}

/** Longer than any token Gantry makes, and than any sane GANTRY_ADMIN_TOKEN. */
const maxTokenChars = 512;

const bootstrapAdmin: Principal = { name: bootstrapAdminName, roles: ['admin'], email: null };

function bearerToken(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) {
    throw new ApiError('UNAUTHENTICATED', 'missing bearer token: send "Authorization: Bearer <token>"');
  }
  if (match[1].length > maxTokenChars) {
    throw new ApiError('UNAUTHENTICATED', `invalid token: longer than ${maxTokenChars} characters`);
  }
  return match[1];
}

async function principalOfToken(deps: AuthDeps, tokenHash: string): Promise<Principal> {
  const found = await findApiTokenByHash(deps.db, tokenHash);
  if (!found) throw new ApiError('UNAUTHENTICATED', 'invalid token: it is unknown or was revoked');
  const { token } = found;
  if (found.expired) {
    throw new ApiError('UNAUTHENTICATED', `token "${token.name}" expired at ${token.expiresAt?.toISOString()}`);
  }
  if (found.lastUseStale) {
    // Bookkeeping only: a failure to record the use must not refuse the request.
    await recordApiTokenUse(deps.db, token.name).catch((error: unknown) =>
      deps.log.warn({ err: error, token: token.name }, 'token use not recorded'),
    );
  }
  return { name: token.name, roles: token.roles, email: token.email };
}

/** Only the bootstrap GANTRY_ADMIN_TOKEN (what GET /metrics accepts when it is not public). */
export function requireToken(adminToken: string): MiddlewareHandler<{ Variables: AuthVariables }> {
  const adminHash = Buffer.from(hashApiToken(adminToken), 'hex');
  return async (c, next) => {
    const presented = bearerToken(c.req.header('authorization'));
    if (!timingSafeEqual(Buffer.from(hashApiToken(presented), 'hex'), adminHash)) {
      throw new ApiError('UNAUTHENTICATED', 'invalid token');
    }
    c.set('principal', bootstrapAdmin);
    await next();
  };
}

export function requireRole(role: Role): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!hasRole(principal, role)) {
      const path = auditedPath(c.req.path);
      await c.var.audit({ action: 'forbidden', details: { method: c.req.method, path, role } });
      const held = principal.roles.length > 0 ? principal.roles.join(', ') : 'no role';
      throw new ApiError('FORBIDDEN', `this needs the "${role}" role; ${principal.name} has ${held}`);
    }
    await next();
  };
}

/** The most of a refused request's path an audit event keeps, the mark of a cut included. */
const maxAuditedPathChars = 512;

/** `path` whole, or cut to `maxAuditedPathChars` ending in "…" (never inside a surrogate pair, which jsonb refuses). */
function auditedPath(path: string): string {
  if (path.length <= maxAuditedPathChars) return path;
  const end = maxAuditedPathChars - 1;
  const lastCode = path.charCodeAt(end - 1);
  const highSurrogate = lastCode >= 0xd800 && lastCode <= 0xdbff;
  return `${path.slice(0, highSurrogate ? end - 1 : end)}…`;
}

/** The peer address of the socket (not X-Forwarded-For, which any client can write); null in-process. */
function sourceAddressOf(c: Context): string | null {
  const bindings = c.env as { incoming?: unknown; server?: unknown } | undefined;
  if (!bindings?.incoming && !bindings?.server) return null;
  return getConnInfo(c).remote.address ?? null;
}
