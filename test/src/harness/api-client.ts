/**
 * The controller's HTTP API for end-to-end tests: @gantry/client's typed calls
 * (each answers `{ data, error, response }`, so tests assert on 4xx too) plus
 * waiting for a run and reading a whole log.
 */
import { createGantryClient, type GantryClient, type RunDetail, readJobLog } from '@gantry/client';

export type {
  Job as JobView,
  RunDetail as RunView,
  RunSummary,
  Stage as StageView,
  TriggerResponse as CreatedRun,
} from '@gantry/client';

export interface ApiClient extends GantryClient {
  /** Polls `GET /api/runs/:id` until `predicate` holds; throws with the last answer after `timeoutMs` (default 60 s). */
  waitForRun(
    runId: string,
    predicate: (run: RunDetail) => boolean,
    options?: { timeoutMs?: number; intervalMs?: number },
  ): Promise<RunDetail>;
  /** A job attempt's whole log (the latest attempt by default); throws on an error answer. */
  readLog(runId: string, jobId: string, attempt?: number): Promise<string>;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** A client that sends `Authorization: Bearer <token>` to `httpUrl` (`http://127.0.0.1:PORT`). */
export function api(httpUrl: string, token: string): ApiClient {
  const client = createGantryClient({
    baseUrl: httpUrl,
    token,
    fetch: (request) => fetch(request, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
  });
  return Object.assign(client, {
    async waitForRun(
      runId: string,
      predicate: (run: RunDetail) => boolean,
      options: { timeoutMs?: number; intervalMs?: number } = {},
    ) {
      const timeoutMs = options.timeoutMs ?? 60_000;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const last = await client.GET('/api/runs/{id}', { params: { path: { id: runId } } });
        if (last.data && predicate(last.data)) return last.data;
        if (Date.now() > deadline) {
          throw new Error(
            `run ${runId}: condition not met within ${timeoutMs} ms; last response ${last.response.status}:\n${JSON.stringify(last.data ?? last.error, null, 2)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
      }
    },
    readLog: (runId: string, jobId: string, attempt?: number) => readJobLog(client, { runId, jobId, attempt }),
  });
}
