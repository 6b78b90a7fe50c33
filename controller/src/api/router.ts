/** A router of the API: routes declared with their OpenAPI contract, bad input answered by rejectInvalidInput. */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import type { AuthVariables } from './auth.js';
import type { RequestIdVariables } from './request-id.js';
import { rejectInvalidInput } from './validation-hook.js';

export type ApiEnv = { Variables: AuthVariables & RequestIdVariables };

export function createRouter() {
  return new OpenAPIHono<ApiEnv>({ defaultHook: rejectInvalidInput });
}

/** What a route declaring a text/plain 200 returns when it streams the text: the same string, sent in pieces. */
export type StreamedText = TypedResponse<string, 200, 'text'>;
