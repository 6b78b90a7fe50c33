/** GET /api/runs/:id/tests (a run's test results) and GET /api/tests/flaky (a repository's flaky cases). */
import { NotFoundError } from '../../domain/errors.js';
import { countCases } from '../../reports/test-results.js';
import { flakyTests } from '../../store/flaky-tests-repository.js';
import { runTestCases, runTestSummaries } from '../../store/run-tests-repository.js';
import { findRun } from '../../store/runs-repository.js';
import type { ApiDeps } from '../app.js';
import { getRunTests, listFlakyTests } from '../contract/tests.js';
import { createRouter } from '../router.js';

export function runTestRoutes(deps: ApiDeps) {
  const app = createRouter();
  app.openapi(getRunTests, async (c) => {
    const { id } = c.req.valid('param');
    const { limit } = c.req.valid('query');
    if (!(await findRun(deps.db, id))) throw new NotFoundError(`run "${id}" not found`);
    const jobs = await runTestSummaries(deps.db, id);
    const cases = await runTestCases(deps.db, id, limit + 1);
    const counts = countCases([]);
    for (const job of jobs) {
      for (const key of ['total', 'passed', 'failed', 'error', 'skipped'] as const) counts[key] += job.counts[key];
    }
    return c.json({ runId: id, counts, jobs, cases: cases.slice(0, limit), truncated: cases.length > limit }, 200);
  });
  return app;
}

export function flakyTestRoutes(deps: ApiDeps) {
  const app = createRouter();
  app.openapi(listFlakyTests, async (c) => {
    const { repo, runs, limit } = c.req.valid('query');
    const tests = await flakyTests(deps.db, repo, runs, limit);
    return c.json(
      { repo, runs, tests: tests.map((test) => ({ ...test, lastFlakedAt: test.lastFlakedAt.toISOString() })) },
      200,
    );
  });
  return app;
}
