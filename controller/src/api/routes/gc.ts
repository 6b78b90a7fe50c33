/** POST /api/gc: retention of artifacts and archived logs (artifacts/garbage-collector.ts). */
import { collectGarbage as collect } from '../../artifacts/garbage-collector.js';
import { DomainError } from '../../domain/errors.js';
import { parseDuration } from '../../pipeline/index.js';
import type { ApiDeps } from '../app.js';
import { collectGarbage } from '../contract/gc.js';
import { ApiError } from '../error-handler.js';
import { createRouter } from '../router.js';

/** Ten years, as for token expiry: further back than any run, and within the database's timestamps. */
const maxAgeMs = 3650 * 86_400_000;

export function gcRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(collectGarbage, async (c) => {
    const { olderThan, dryRun } = c.req.valid('json');
    const olderThanMs = parseAge(olderThan);
    if (!deps.artifacts) throw new DomainError('NOT_FOUND', 'this controller has no artifact store');
    const report = await collect({ db: deps.db, store: deps.artifacts.store }, { olderThanMs, dryRun });
    deps.log.info({ ...report, olderThan }, 'garbage collected');
    return c.json(report, 200);
  });

  return app;
}

/** `olderThan` in milliseconds: a duration of at most 3650d, else 400 naming the field. */
function parseAge(text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new ApiError('INVALID_INPUT', `olderThan: ${parsed.message}`);
  if (parsed.ms > maxAgeMs) throw new ApiError('INVALID_INPUT', `olderThan: "${text}" is longer than 3650d`);
  return parsed.ms;
}
