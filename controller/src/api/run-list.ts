/** The runs list as GET /api/runs and the runs events of GET /api/events show it: summaries with their stage strips. */
import { NotFoundError } from '../domain/errors.js';
import type { Run } from '../domain/run.js';
import { findRun, listRuns, listStageStatuses, type RunFilter } from '../store/runs-repository.js';
import type { ApiDeps } from './app.js';
import { pageOf } from './list-page.js';
import type { RunListEntry } from './schemas/runs.js';
import { runSummaryView } from './views.js';

export async function runListEntries(
  deps: Pick<ApiDeps, 'db' | 'baseUrl'>,
  filter: RunFilter,
): Promise<RunListEntry[]> {
  return withStageStrips(deps, await listRuns(deps.db, filter));
}

/**
 * One page of the list, and the `before` of the next (null when no matching
 * run is older). NotFoundError when `before` names no run.
 */
export async function runListPage(
  deps: Pick<ApiDeps, 'db' | 'baseUrl'>,
  filter: RunFilter,
): Promise<{ runs: RunListEntry[]; next: string | null }> {
  // One more than the page: whether an older run exists.
  const runs = await listRuns(deps.db, { ...filter, limit: filter.limit + 1 });
  if (runs.length === 0 && filter.before !== undefined && !(await findRun(deps.db, filter.before))) {
    throw new NotFoundError(`run "${filter.before}" not found: list again without before`);
  }
  const { page, next } = pageOf(runs, filter.limit, (run) => run.id);
  return { runs: await withStageStrips(deps, page), next };
}

async function withStageStrips(deps: Pick<ApiDeps, 'db' | 'baseUrl'>, runs: Run[]): Promise<RunListEntry[]> {
  const strips = await listStageStatuses(
    deps.db,
    runs.map((run) => run.id),
  );
  return runs.map((run) => ({ ...runSummaryView(run, deps.baseUrl), stages: strips.get(run.id) ?? [] }));
}
