/**
 * /login and /logout. The pasted token is checked with GET /api/me, then
 * sealed into an HttpOnly, SameSite=Strict cookie: it never appears in a page
 * or a URL. The sign-in form has its own CSRF token, tied to a short-lived
 * cookie, so another site cannot sign a browser in as someone else.
 */
import { createGantryClient } from '@gantry/client';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { cookieOptions, endSession, sessionLifetimeMs, startSession } from '../session/session-middleware.js';
import { csrfMatches, csrfToken, newNonce } from '../session/session-seal.js';
import { loginPage } from '../views/login-view.js';
import { inProcessOrigin, type WebDeps, type WebEnv } from '../web-env.js';

const loginCookie = 'gantry_login';
const maxTokenChars = 512;

/** Any origin: `next` is resolved against it to tell a path of this site from a way elsewhere. */
const probeOrigin = 'http://gantry.invalid';

/**
 * Only a path of this site: never `//elsewhere`, `https://…`, nor what a
 * browser reads as one (it drops tabs and newlines and takes `\` for `/`, so
 * `/\t/elsewhere` leads away). `next` is resolved as a browser would and kept
 * only when it stays on the site, as the path it resolved to.
 */
export function safeNext(next: string | undefined): string {
  if (!next || next.length > 2000 || !next.startsWith('/')) return '/';
  let resolved: URL;
  try {
    resolved = new URL(next, probeOrigin);
  } catch {
    return '/';
  }
  if (resolved.origin !== probeOrigin) return '/';
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

export function loginRoutes(deps: WebDeps) {
  const app = new Hono<WebEnv>();

  const showForm = async (c: Context<WebEnv>, status: 200 | 401 | 403, message: string | null) => {
    const nonce = newNonce();
    setCookie(c, loginCookie, nonce, cookieOptions(deps, 30 * 60));
    const next = safeNext(c.req.query('next') ?? (await formField(c, 'next')));
    return c.html(await loginPage({ csrf: csrfToken(c.var.keys, nonce), next, message }), status);
  };

  app.get('/login', (c) => (c.var.session ? c.redirect(safeNext(c.req.query('next')), 303) : showForm(c, 200, null)));

  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const nonce = getCookie(c, loginCookie);
    if (!nonce || !csrfMatches(c.var.keys, nonce, form._csrf)) {
      return showForm(c, 403, 'The sign-in form expired. Paste the token again.');
    }
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (token === '' || token.length > maxTokenChars || /\s/.test(token)) {
      return showForm(c, 401, 'Paste an API token: one word, at most 512 characters.');
    }
    const api = createGantryClient({ baseUrl: inProcessOrigin, token, fetch: (request) => deps.api(request, c.env) });
    const me = await api.GET('/api/me');
    if (!me.data) {
      return showForm(c, 401, me.error?.error.message ?? `The token was refused (HTTP ${me.response.status}).`);
    }
    deleteCookie(c, loginCookie, { path: '/' });
    const nowMs = (deps.nowMs ?? Date.now)();
    startSession(c, deps, {
      token,
      name: me.data.name,
      roles: me.data.roles,
      nonce: newNonce(),
      expiresAtMs: nowMs + sessionLifetimeMs,
    });
    return c.redirect(safeNext(typeof form.next === 'string' ? form.next : undefined), 303);
  });

  app.post('/logout', async (c) => {
    const form = await c.req.parseBody();
    const session = c.var.session;
    if (session && !csrfMatches(c.var.keys, session.nonce, form._csrf)) {
      return c.text('this form has expired: reload the page and try again', 403);
    }
    endSession(c);
    return c.redirect('/login', 303);
  });

  return app;
}

async function formField(c: Context<WebEnv>, name: string): Promise<string | undefined> {
  if (c.req.method !== 'POST') return undefined;
  const value = (await c.req.parseBody())[name];
  return typeof value === 'string' ? value : undefined;
}
