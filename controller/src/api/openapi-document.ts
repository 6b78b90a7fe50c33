/**
 * The API's OpenAPI document without a running controller: the app is built
 * with inert dependencies that throw if anything touches them, which nothing
 * does while routes are declared. `npm run generate:api` writes it to
 * client/openapi.json; the freshness test compares it with that file.
 */
import type { Logger } from 'pino';
import { type ApiDeps, createApp } from './app.js';
import { openApiInfo } from './openapi.js';

export function openApiDocument() {
  const app = createApp({
    db: inert('db'),
    scheduler: inert('scheduler'),
    runControl: inert('runControl'),
    source: inert('source'),
    log: inert<Logger>('log'),
    health: inert('health'),
    // Declared only when there are metrics; the document describes every route a controller may serve.
    metrics: { instruments: inert('metrics'), public: false },
    adminToken: 'document-only',
    secrets: inert('secrets'),
    baseUrl: '',
  } satisfies ApiDeps);
  return app.getOpenAPI31Document(openApiInfo);
}

function inert<T>(name: string): T {
  return new Proxy(
    {},
    {
      get(_target, key) {
        throw new Error(`openApiDocument: dependency "${name}" was used (.${String(key)}) while only declaring routes`);
      },
    },
  ) as T;
}
