/** API error answers as thrown errors. */
import type { components } from './generated/api.js';

type ErrorBody = components['schemas']['Error'];

/** The API answered an error status; `code`, `message` and `issues` come from its `{ error: {…} }` body. */
export class GantryApiError extends Error {
  override readonly name = 'GantryApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** What every call of the typed client answers. */
export interface CallResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The call's data, or a GantryApiError describing the error status it answered.
 * `what` (e.g. `GET /api/runs`) names the request in errors whose body says nothing.
 */
export function unwrap<T>(result: CallResult<T>, what?: string): T {
  if (result.response.ok && result.error === undefined) return result.data as T;
  throw toApiError(result.response, result.error, what);
}

/** An error body in the API's shape becomes its code and message; anything else (a proxy page) a short summary. */
export function toApiError(response: Response, body: unknown, what = 'the request'): GantryApiError {
  if (isErrorBody(body)) {
    return new GantryApiError(response.status, body.error.code, body.error.message, body.error.issues ?? []);
  }
  const text = typeof body === 'string' ? body.trim() : '';
  const readable = text !== '' && text.length <= 200 && !text.startsWith('<') && !text.includes('\n');
  return new GantryApiError(
    response.status,
    'HTTP_ERROR',
    readable ? text : `${what}: ${response.statusText || `HTTP ${response.status}`}`,
  );
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error: unknown = body.error;
  return typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string';
}
