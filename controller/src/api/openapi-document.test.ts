/**
 * client/openapi.json and the types generated from it are committed; this
 * fails when they no longer match the routes (run `npm run generate:api`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderApiFiles } from '../../../scripts/generate-api.mjs';
import { openApiDocument } from './openapi-document.js';

const committed = (path: string) => readFileSync(new URL(`../../../client/${path}`, import.meta.url), 'utf8');

describe('the committed API description', () => {
  it('is what the routes declare now (else run `npm run generate:api`)', async () => {
    const { json, types } = await renderApiFiles(openApiDocument());
    expect(committed('openapi.json'), 'client/openapi.json is stale: run `npm run generate:api`').toBe(json);
    expect(committed('src/generated/api.ts'), 'client/src/generated/api.ts is stale: run `npm run generate:api`').toBe(
      types,
    );
  });
});
