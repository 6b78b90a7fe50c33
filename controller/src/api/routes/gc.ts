/** POST /api/gc: retention of artifacts and archived logs (artifacts/garbage-collector.ts). */
import { collectGarbage as collect } from '../../artifacts/garbage-collector.js';
import { DomainError } from '../../domain/errors.js';
import { parseDuration } from '../../pipeline/index.js';
import type { ApiDeps } from '../app.js';
import { collectGarbage } from '../contract/gc.js';
import { createRouter } from '../router.js';

export function gcRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(collectGarbage, async (c) => {
    const { olderThan, dryRun } = c.req.valid('json');
    const duration = parseDuration(olderThan);
    if (!duration.ok) throw new DomainError('INVALID_INPUT', `olderThan: ${duration.message}`);
    if (!deps.artifacts) throw new DomainError('NOT_FOUND', 'this controller has no artifact store');
    const report = await collect({ db: deps.db, store: deps.artifacts.store }, { olderThanMs: duration.ms, dryRun });
    deps.log.info({ ...report, olderThan }, 'garbage collected');
    return c.json(report, 200);
  });

  return app;
}
