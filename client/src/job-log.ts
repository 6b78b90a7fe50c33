/** A job's log, which the API answers as text/plain streamed page by page. */
import type { GantryClient } from './client.js';
import { toApiError } from './errors.js';

export interface JobLogRequest {
  runId: string;
  jobId: string;
  /** Which attempt; the latest when left out. */
  attempt?: number | undefined;
  /** Keep the answer open and carry new output until the attempt ends. */
  follow?: boolean | undefined;
  /** Aborting it ends the request and the stream. */
  signal?: AbortSignal | undefined;
}

/**
 * Opens the log and hands back its body as it arrives, never buffered whole.
 * Throws GantryApiError for an error status (unknown job, bad attempt) before any byte of the log.
 */
export async function openJobLog(client: GantryClient, request: JobLogRequest): Promise<ReadableStream<Uint8Array>> {
  const { data, error, response } = await client.GET('/api/runs/{id}/jobs/{jobId}/log', {
    params: {
      path: { id: request.runId, jobId: request.jobId },
      query: {
        ...(request.attempt === undefined ? {} : { attempt: request.attempt }),
        ...(request.follow ? { follow: '1' as const } : {}),
      },
    },
    parseAs: 'stream',
    ...(request.signal ? { signal: request.signal } : {}),
  });
  if (!response.ok || error !== undefined) throw toApiError(response, error, `GET log of job ${request.jobId}`);
  return data ?? new ReadableStream({ start: (controller) => controller.close() });
}

/** The whole log as text (for tests and short logs; a long log is better read from openJobLog). */
export async function readJobLog(client: GantryClient, request: JobLogRequest): Promise<string> {
  return new Response(await openJobLog(client, request)).text();
}
