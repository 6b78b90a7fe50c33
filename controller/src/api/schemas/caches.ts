/** Saved caches as the API shows them (GET /api/caches, DELETE /api/caches). */
import { z } from '@hono/zod-openapi';

export const CacheEntry = z
  .object({
    id: z.string(),
    repo: z.string(),
    scope: z.string().openapi({ description: '"protected" (saved by protected branches) or "ref:<ref>".' }),
    key: z.string(),
    format: z.string().openapi({ description: '"tar+zstd" or "tar+gzip".' }),
    size: z.int().openapi({ description: 'Bytes of the compressed archive.' }),
    sha256: z.string(),
    runId: z.string().openapi({ description: 'The run whose job saved it.' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    lastUsedAt: z.string().openapi({ format: 'date-time', description: 'Last saved or restored.' }),
  })
  .openapi('CacheEntry');

export const CacheList = z.object({ caches: z.array(CacheEntry) }).openapi('CacheList');

export const CacheQuery = z.object({
  repo: z.string().min(1).max(4096).optional().openapi({ description: 'Only the caches of this repository.' }),
  limit: z.coerce.number().int().min(1).max(1000).default(200).openapi({ description: '1–1000, default 200.' }),
});

/** Strict: a misspelt `repo` must not widen the clear to every cache. */
export const ClearQuery = z
  .object({
    repo: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .openapi({ description: 'Only the caches of this repository; without it, every cache.' }),
  })
  .strict();

export const ClearedCaches = z
  .object({
    deleted: z.int().openapi({ description: 'Caches deleted.' }),
    bytes: z.int().openapi({ description: 'Their archives’ bytes.' }),
  })
  .openapi('ClearedCaches');
