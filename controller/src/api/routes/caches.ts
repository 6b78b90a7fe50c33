/** /api/caches: list saved caches (read), clear them (admin; audited, archives removed after the rows). */
import { DomainError } from '../../domain/errors.js';
import { type CacheRecord, deleteCaches, listCaches as listCacheRows } from '../../store/caches-repository.js';
import type { ApiDeps } from '../app.js';
import { clearCaches, listCaches } from '../contract/caches.js';
import { createRouter } from '../router.js';

export function cacheRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(listCaches, async (c) => {
    const { repo, limit } = c.req.valid('query');
    const caches = await listCacheRows(deps.db, { ...(repo === undefined ? {} : { repo }), limit });
    return c.json({ caches: caches.map(cacheView) }, 200);
  });

  app.openapi(clearCaches, async (c) => {
    const { repo } = c.req.valid('query');
    if (!deps.artifacts) throw new DomainError('NOT_FOUND', 'this controller has no artifact store');
    const deleted = await deps.db.transaction(async (tx) => {
      const rows = await deleteCaches(tx, repo === undefined ? {} : { repo });
      await c.var.audit({ action: 'cache.clear', details: { repo: repo ?? null, deleted: rows.length } }, tx);
      return rows;
    });
    // Rows first: a crash in between leaves unreferenced archives, never a listed cache without bytes.
    await deps.artifacts.store.removeObjects(deleted.map((cache) => cache.objectKey));
    const bytes = deleted.reduce((sum, cache) => sum + cache.size, 0);
    deps.log.info({ repo, deleted: deleted.length, bytes }, 'caches cleared');
    return c.json({ deleted: deleted.length, bytes }, 200);
  });

  return app;
}

function cacheView(cache: CacheRecord) {
  return {
    id: cache.id,
    repo: cache.repo,
    scope: cache.scope,
    key: cache.key,
    format: cache.format,
    size: cache.size,
    sha256: cache.sha256,
    runId: cache.runId,
    createdAt: cache.createdAt.toISOString(),
    lastUsedAt: cache.lastUsedAt.toISOString(),
  };
}
