/**
 * Text holding a NUL character (U+0000) is refused with 400 INVALID_INPUT
 * before it reaches the database, which cannot store it in a text or jsonb
 * column and would fail the whole statement. `refuseNulInUrl` guards every
 * request's path and query; `refuseNulInJson` a parsed JSON body, every key
 * and string value at any depth, which it also refuses when it holds an
 * unpaired UTF-16 surrogate (`"\ud800"` is valid JSON, but no Unicode text:
 * PostgreSQL refuses it in jsonb). The error handler is the backstop for any
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

/**
 * Refuses a parsed JSON body holding a NUL or an unpaired surrogate in any key
 * or string; the issue names where when the path is plain.
 */
export function refuseNulInJson(body: unknown): void {
  const found = pathToUnstorable(body);
  if (found === null) return;
  const { path, problem } = found;
  const where = path.length > 0 && path.length <= maxNamedDepth && path.every(isPlainKey) ? path.join('.') : null;
  const issue = `${where ?? '(request body)'}: ${problem}`;
  throw new ApiError('INVALID_INPUT', `invalid request body: ${issue}`, [issue]);
}

const surrogateProblem = 'text must not contain unpaired UTF-16 surrogates (U+D800 to U+DFFF)';
const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why the database cannot store `text`, or null when it can. */
function unstorable(text: string): string | null {
  if (text.includes('\0')) return nulProblem;
  return unpairedSurrogate.test(text) ? surrogateProblem : null;
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
 * The keys leading to a string the database cannot store (and why), ending
 * with the key itself when a key is one; null when there is none. The walk
 * keeps its own stack: a deeply nested body cannot overflow the call stack.
 */
function pathToUnstorable(body: unknown): { path: (string | number)[]; problem: string } | null {
  const stack: Visit[] = [{ value: body, key: null, parent: null }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const { value } = visit;
    if (typeof value === 'string') {
      const problem = unstorable(value);
      if (problem !== null) return { path: keysTo(visit), problem };
    } else if (Array.isArray(value)) {
      // Pushed last to first, so the first is looked at first.
      for (let index = value.length - 1; index >= 0; index--) {
        stack.push({ value: value[index], key: index, parent: visit });
      }
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      for (const [key] of entries) {
        const problem = unstorable(key);
        if (problem !== null) return { path: [...keysTo(visit), key], problem };
      }
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
