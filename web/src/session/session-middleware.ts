/**
 * Sessions on every page request: the sealed cookie is opened once; pages
 * without a session redirect to /login (scripts' endpoints answer 401), and
 * every POST must carry the CSRF token of its session.
 */
import { createGantryClient } from '@gantry/client';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { inProcessOrigin, type WebDeps, type WebEnv } from '../web-env.js';
import { csrfMatches, csrfToken, openSession, type Session, type SessionKeys, sealSession } from './session-seal.js';

export const sessionCookie = 'gantry_session';
/** How long a sign-in lasts. */
export const sessionLifetimeMs = 12 * 60 * 60 * 1000;

export function cookieOptions(deps: WebDeps, maxAgeSeconds: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    secure: deps.baseUrl.startsWith('https:'),
    maxAge: maxAgeSeconds,
  } as const;
}

export function startSession(c: Context<WebEnv>, deps: WebDeps, session: Session): void {
  setCookie(c, sessionCookie, sealSession(c.var.keys, session), cookieOptions(deps, sessionLifetimeMs / 1000));
}

export function endSession(c: Context<WebEnv>): void {
  deleteCookie(c, sessionCookie, { path: '/' });
}

/** Opens the session cookie (if any) for every request of the page. */
export function readSession(deps: WebDeps, keys: SessionKeys): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    c.set('keys', keys);
    const sealed = getCookie(c, sessionCookie);
    const session = sealed ? openSession(keys, sealed, (deps.nowMs ?? Date.now)()) : null;
    c.set('session', session);
    if (session) {
      c.set('csrf', csrfToken(keys, session.nonce));
      c.set(
        'api',
        createGantryClient({
          baseUrl: inProcessOrigin,
          token: session.token,
          fetch: (request) => deps.api(request, c.env),
        }),
      );
    }
    await next();
  };
}

/** Pages: no session → 303 to /login, back here after signing in. */
export function requirePageSession(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (!c.var.session) {
      const url = new URL(c.req.url);
      const back = c.req.method === 'GET' ? `${url.pathname}${url.search}` : '/';
      return c.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
    }
    return next();
  };
}

/** What the script fetches (fragments, events, logs): no session → 401, which it shows as "sign in again". */
export function requireScriptSession(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (!c.var.session) return c.text('not signed in', 401);
    return next();
  };
}

/** A POST whose `_csrf` field is not its session's token is refused with 403. */
export function requireCsrf(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const session = c.var.session;
    const form = await c.req.parseBody();
    if (!session || !csrfMatches(c.var.keys, session.nonce, form._csrf)) {
      return c.text('this form has expired: reload the page and try again', 403);
    }
    return next();
  };
}
