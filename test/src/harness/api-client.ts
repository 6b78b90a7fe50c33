/**
 * A small typed client of the controller's HTTP API for end-to-end tests. It
 * returns every status instead of throwing, so tests can assert on 4xx too.
 */
import type { JobStatus, RunStatus, StageStatus } from '@gantry/controller';

export interface ApiResponse<T = unknown> {
  status: number;
  /** Parsed JSON when the response is JSON, the text otherwise. */
  body: T;
}

/** `GET /api/runs/:id`. */
export interface RunView {
  id: string;
  status: RunStatus;
  repo: string;
  ref: string;
  sha: string | null;
  error: string | null;
  stages: StageView[];
}

export interface StageView {
  name: string;
  status: StageStatus;
  jobs: JobView[];
}

export interface JobView {
  id: string;
  name: string;
  status: JobStatus;
  attempt: number;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** `POST /api/runs` → 201. */
export interface CreatedRun {
  id: string;
  status: RunStatus;
  url: string;
}

export interface ApiClient {
  get<T = unknown>(path: string): Promise<ApiResponse<T>>;
  post<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  /** Polls `GET /api/runs/:id` until `predicate` holds; throws with the last body after `timeoutMs` (default 60 s). */
  waitForRun(
    runId: string,
    predicate: (run: RunView) => boolean,
    options?: { timeoutMs?: number; intervalMs?: number },
  ): Promise<RunView>;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** A client that sends `Authorization: Bearer <token>` to `httpUrl` (`http://127.0.0.1:PORT`). */
export function api(httpUrl: string, token: string): ApiClient {
  const request = async <T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(new URL(path, httpUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const isJson = response.headers.get('content-type')?.includes('json') ?? false;
    const text = await response.text();
    return { status: response.status, body: (isJson && text !== '' ? JSON.parse(text) : text) as T };
  };

  return {
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    async waitForRun(runId, predicate, options = {}) {
      const timeoutMs = options.timeoutMs ?? 60_000;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const last = await request<RunView | string>('GET', `/api/runs/${encodeURIComponent(runId)}`);
        if (last.status === 200 && typeof last.body === 'object' && predicate(last.body)) return last.body;
        if (Date.now() > deadline) {
          throw new Error(
            `run ${runId}: condition not met within ${timeoutMs} ms; last response ${last.status}:\n${JSON.stringify(last.body, null, 2)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
      }
    },
  };
}
