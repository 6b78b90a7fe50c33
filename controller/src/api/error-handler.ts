/**
 * The one place that turns failures into HTTP answers:
 * `{ "error": { "code", "message", "issues"?, "requestId" } }`. Known failures
 * map to 400/401/403/404/409/422, an unavailable database to 503 (with
 * Retry-After), text the database refused for holding a NUL character to 400;
 * anything else is a 500 that leaks only the request id (the same id is in the `X-Request-Id` header and the log).
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import { isDatabaseUnavailable } from '../store/database-unavailable.js';
import { sqlStateOf } from '../store/sql-state.js';
import type { RequestIdVariables } from './request-id.js';

const statusOf: Record<string, ContentfulStatusCode> = {
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_INPUT: 400,
  INVALID_JSON: 400,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  STALE_LEASE: 409,
  PROTOCOL_MISMATCH: 400,
  INVALID_REF: 400,
  REPOSITORY_UNREADABLE: 422,
  REPOSITORY_NOT_ALLOWED: 403,
  REF_NOT_FOUND: 422,
  COMMIT_NOT_FOUND: 422,
  SHA_NOT_ON_REF: 422,
  PIPELINE_FILE_MISSING: 422,
  PIPELINE_FILE_TOO_LARGE: 422,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
};

/**
 * SQLSTATEs of text the database cannot store: character_not_in_repertoire
 * (a NUL in text) and untranslatable_character (\u0000 in jsonb).
 */
const nulTextStates = new Set(['22021', '22P05']);

/** What a request holding a NUL character is told, whoever refuses it (nul-characters.ts or the database). */
export const nulProblem = 'text must not contain NUL characters';

/** What a 503 for an unavailable database tells clients to wait before retrying. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/** An HTTP-only failure raised by routes (bad JSON, bad query). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly issues?: string[],
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, issues?: string[], requestId?: string) {
  return {
    error: { code, message, ...(issues && issues.length > 0 ? { issues } : {}), ...(requestId ? { requestId } : {}) },
  };
}

export function createErrorHandler(log: Logger) {
  return (error: Error, c: Context) => {
    // Set by assignRequestId, which runs first; an app without it still answers with an id.
    const requestId = (c.get('requestId') as RequestIdVariables['requestId'] | undefined) ?? randomUUID();
    if (error instanceof ApiError || error instanceof DomainError) {
      const issues = error instanceof ApiError ? error.issues : error.issues;
      return c.json(errorBody(error.code, error.message, issues, requestId), statusOf[error.code] ?? 400);
    }
    if (error instanceof HTTPException) {
      return c.json(
        errorBody('HTTP_ERROR', error.message || 'request failed', undefined, requestId),
        error.status as ContentfulStatusCode,
      );
    }
    // A backstop: input checks refuse NUL first; one that got past them is still the caller's mistake.
    if (isNulTextRefusal(error)) {
      log.warn({ requestId, method: c.req.method, path: c.req.path }, 'the database refused text holding NUL');
      return c.json(errorBody('INVALID_INPUT', nulProblem, undefined, requestId), 400);
    }
    if (isDatabaseUnavailable(error)) {
      log.warn({ err: error, requestId, method: c.req.method, path: c.req.path }, 'database unavailable');
      c.header('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      return c.json(
        errorBody(
          'DATABASE_UNAVAILABLE',
          'the database is unavailable (restarting or failing over); nothing was changed, try again in a few seconds',
          undefined,
          requestId,
        ),
        503,
      );
    }
    log.error({ err: error, requestId, method: c.req.method, path: c.req.path }, 'request failed');
    return c.json(errorBody('INTERNAL', `internal error (request id ${requestId})`, undefined, requestId), 500);
  };
}

/** True when `error`, or an error in its cause chain (drizzle wraps the database's), is the database refusing NUL text. */
function isNulTextRefusal(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && nulTextStates.has(state);
}
