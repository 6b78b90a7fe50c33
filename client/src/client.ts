/**
 * The typed client of the Gantry API: openapi-fetch over the types generated
 * from the controller's OpenAPI document, so a request or a field that the API
 * does not have fails to compile. Calls answer `{ data, error, response }`;
 * `unwrap` (errors.ts) turns that into the data or a thrown GantryApiError.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/api.js';

export type GantryClient = Client<paths>;

export interface GantryClientOptions {
  /** Where the controller answers, e.g. `http://127.0.0.1:8080` (a trailing slash is ignored). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` on every request. */
  token: string;
  /** Replaces the global fetch, e.g. to add a timeout, or `app.request` to call a Hono app in-process. */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
}

export function createGantryClient(options: GantryClientOptions): GantryClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.token}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
