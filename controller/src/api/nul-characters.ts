/**
 * Text holding a NUL character (U+0000) is refused with 400 INVALID_INPUT
 * before it reaches the database, which cannot store it in a text or jsonb
 * column and would fail the whole statement. `refuseNulInUrl` guards every
 * request's path and query; `refuseNulInJson` a parsed JSON body, every key
 * and string value at any depth. The error handler is the backstop for any
 * NUL that gets past both.
 */
import type { MiddlewareHandler } from 'hono';
import { ApiError, nulProblem } from './error-handler.js';

/** Refuses a request whose URL holds an encoded NUL (`%00`) anywhere in its path or query. */
export function refuseNulInUrl(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.url.includes('%00')) {
      throw new ApiError('INVALID_INPUT', `invalid URL: it holds %00, and ${nulProblem}`);
    }
    await next();
  };
}

/** Refuses a parsed JSON body holding a NUL in any key or string; the issue names where when the path is plain. */
export function refuseNulInJson(body: unknown): void {
  const path = pathToNul(body);
  if (path === null) return;
  const where = path.length > 0 && path.length <= maxNamedDepth && path.every(isPlainKey) ? path.join('.') : null;
  const issue = `${where ?? '(request body)'}: ${nulProblem}`;
  throw new ApiError('INVALID_INPUT', `invalid request body: ${issue}`, [issue]);
}

/** Deeper paths are not spelled out in the message. */
const maxNamedDepth = 16;
const plainKey = /^[A-Za-z0-9_$-]{1,64}$/;

function isPlainKey(key: string | number): boolean {
  return typeof key === 'number' || plainKey.test(key);
}

/** One value met in the walk, with the key it sits under and the value holding it. */
interface Visit {
  value: unknown;
  key: string | number | null;
  parent: Visit | null;
}

/**
 * The keys leading to a string that holds a NUL, ending with the key itself
 * when a key does; null when none does. The walk keeps its own stack: a
 * deeply nested body cannot overflow the call stack.
 */
function pathToNul(body: unknown): (string | number)[] | null {
  const stack: Visit[] = [{ value: body, key: null, parent: null }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const { value } = visit;
    if (typeof value === 'string') {
      if (value.includes('\0')) return keysTo(visit);
    } else if (Array.isArray(value)) {
      // Pushed last to first, so the first is looked at first.
      for (let index = value.length - 1; index >= 0; index--) {
        stack.push({ value: value[index], key: index, parent: visit });
      }
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      for (const [key] of entries) if (key.includes('\0')) return [...keysTo(visit), key];
      for (const [key, item] of entries.reverse()) stack.push({ value: item, key, parent: visit });
    }
  }
  return null;
}

/** The keys from the top of the body down to `visit`. */
function keysTo(visit: Visit): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let at: Visit | null = visit; at !== null && at.key !== null; at = at.parent) keys.push(at.key);
  return keys.reverse();
}
