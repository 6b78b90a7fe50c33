/**
 * Route middleware for routes with a JSON body, run before the route's schema
 * validation: malformed JSON, an empty body where one is required, and a body
 * sent as something other than JSON become 400/415 answers naming the problem,
 * and so does text holding a NUL character, which the database cannot store.
 * An empty optional body validates as `{}`.
 */
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './error-handler.js';
import { refuseNulInJson } from './nul-characters.js';

const jsonMediaType = /^application\/([\w.-]+\+)?json$/i;

export function jsonBody(options: { required: boolean }): MiddlewareHandler {
  return async (c, next) => {
    const text = await c.req.text();
    if (text.trim() === '') {
      if (options.required) throw new ApiError('INVALID_INPUT', 'request body is empty; expected a JSON object');
      // The schema validator after this parses the cached text whenever the content type is JSON;
      // without a content type it takes no body as {}, when the cached text is empty
      // (Hono caches the promise, though its type names the value).
      const cached = c.req.header('content-type') === undefined ? '' : '{}';
      (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(cached);
      return next();
    }
    const contentType = c.req.header('content-type');
    const mediaType = contentType?.split(';')[0]?.trim() ?? '';
    if (!jsonMediaType.test(mediaType)) {
      throw new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        `request body must be JSON sent with "content-type: application/json", got ${contentType ? `"${contentType}"` : 'no content type'}`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new ApiError('INVALID_JSON', `request body is not valid JSON: ${(error as Error).message}`);
    }
    refuseNulInJson(body);
    await next();
  };
}
