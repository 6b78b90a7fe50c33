/**
 * Bearer-token authentication for /api. Today one admin token (its SHA-256 is
 * compared in constant time); per-user tokens with roles come later and will
 * set the same `principal` variable.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './error-handler.js';

export interface Principal {
  name: string;
  roles: string[];
}

export type AuthVariables = { principal: Principal };

export function requireToken(adminToken: string): MiddlewareHandler<{ Variables: AuthVariables }> {
  const expected = sha256(adminToken);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      throw new ApiError('UNAUTHENTICATED', 'missing bearer token: send "Authorization: Bearer <token>"');
    }
    if (!timingSafeEqual(sha256(match[1]), expected)) throw new ApiError('UNAUTHENTICATED', 'invalid token');
    c.set('principal', { name: 'admin', roles: ['admin', 'trigger', 'approve', 'read'] });
    await next();
  };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
