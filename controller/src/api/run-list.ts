/** The runs list as GET /api/runs and the runs events of GET /api/events show it: summaries with their stage strips. */
import { listRuns, listStageStatuses, type RunFilter } from '../store/runs-repository.js';
import type { ApiDeps } from './app.js';
import type { RunListEntry } from './schemas/runs.js';
import { runSummaryView } from './views.js';

export async function runListEntries(
  deps: Pick<ApiDeps, 'db' | 'baseUrl'>,
  filter: RunFilter,
): Promise<RunListEntry[]> {
  const runs = await listRuns(deps.db, filter);
  const strips = await listStageStatuses(
    deps.db,
    runs.map((run) => run.id),
  );
  return runs.map((run) => ({ ...runSummaryView(run, deps.baseUrl), stages: strips.get(run.id) ?? [] }));
}
