/** Turning API answers into pages: data, or a PageError that the page's error handler shows as a readable message. */
import type { Context } from 'hono';
import type { PageFrame } from '../views/layout.js';
import type { WebEnv } from '../web-env.js';

/** An API refusal or failure, shown to the reader as its message (never as the JSON body). */
export class PageError extends Error {
  override readonly name = 'PageError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of an API answer, or a PageError with the API's message and status. */
export async function apiData<T>(call: Promise<Answer<T>>): Promise<T> {
  const answer = await call;
  if (answer.data !== undefined && answer.response.ok) return answer.data;
  throw new PageError(answer.response.status, apiMessage(answer));
}

export function apiMessage(answer: { error?: unknown; response: Response }): string {
  const body = answer.error as { error?: { message?: unknown } } | undefined;
  const message = body?.error?.message;
  return typeof message === 'string' ? message : `the request failed (HTTP ${answer.response.status})`;
}

export function pageUser(c: Context<WebEnv>): PageFrame['user'] {
  const session = c.var.session;
  return session ? { name: session.name, roles: session.roles, csrf: c.var.csrf } : undefined;
}
