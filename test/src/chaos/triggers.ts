/**
 * Triggers through `POST /api/runs` with an Idempotency-Key, the way a
 * webhook sender would: a refused connection, a timeout or a 5xx (controller
 * down) is retried with the same key until the deadline, so a lost response
 * must never create a second run. Every response is recorded for the checker.
 */
import { api } from '../harness/index.js';
import { delay } from './clock.js';

export interface TriggerResponse {
  status: number;
  runId: string | undefined;
  /** Why the request failed before an answer (connection refused, timeout). */
  failures: number;
}

export interface TriggerRecord {
  key: string;
  runIndex: number;
  /** Final answers of every POST sent with this key (concurrent copies, late resend). */
  responses: TriggerResponse[];
}

export interface TriggerTarget {
  httpUrl: string;
  adminToken: string;
}

export class TriggerError extends Error {
  override readonly name = 'TriggerError';
  readonly code = 'CHAOS_TRIGGER_FAILED';
}

/** One POST, retried through outages until it gets a non-5xx answer; throws TriggerError past `timeoutMs`. */
export async function postRun(
  target: TriggerTarget,
  key: string,
  body: { repo: string; ref: string; sha: string },
  timeoutMs: number,
): Promise<TriggerResponse> {
  const client = api(target.httpUrl, target.adminToken);
  const deadline = Date.now() + timeoutMs;
  let failures = 0;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const { data, error, response } = await client.POST('/api/runs', {
        body,
        params: { header: { 'idempotency-key': key } },
      });
      if (response.status < 500) return { status: response.status, runId: data?.id, failures };
      last = `${response.status} ${JSON.stringify(error).slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    failures++;
    await delay(Math.min(100 * failures, 1_000));
  }
  throw new TriggerError(
    `POST /api/runs with Idempotency-Key ${key}: no answer within ${timeoutMs} ms (last: ${last})`,
  );
}

/**
 * `copies` concurrent POSTs with one key; records every answer. A POST that
 * never got one is recorded as status 0 (the checker reports it); returns those errors.
 */
export async function triggerConcurrently(
  target: TriggerTarget,
  record: TriggerRecord,
  body: { repo: string; ref: string; sha: string },
  copies: number,
  timeoutMs: number,
): Promise<Error[]> {
  const answers = await Promise.allSettled(
    Array.from({ length: copies }, () => postRun(target, record.key, body, timeoutMs)),
  );
  const errors: Error[] = [];
  for (const answer of answers) {
    if (answer.status === 'fulfilled') record.responses.push(answer.value);
    else {
      errors.push(answer.reason as Error);
      record.responses.push({ status: 0, runId: undefined, failures: -1 });
    }
  }
  return errors;
}

/** The run id the key got (the first answer that carried one). */
export function runIdOf(record: TriggerRecord): string | undefined {
  return record.responses.find((response) => response.runId !== undefined)?.runId;
}
