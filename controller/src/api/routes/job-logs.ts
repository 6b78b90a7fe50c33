/**
 * GET /api/runs/:id/jobs/:jobId/log[?attempt=N][&follow=1]: one attempt's
 * output as text/plain, streamed a page of chunks at a time. Everything that
 * can fail (unknown job, bad or unknown attempt) is checked before the first
 * byte, so an error is always a whole JSON answer, never a cut-off body.
 * With `follow=1` the response stays open and carries new chunks as they are
 * stored, ending when the attempt has finished or the client goes away.
 */
import { continueFromArchive } from '../../artifacts/archived-log.js';
import { NotFoundError } from '../../domain/errors.js';
import { findLatestAttempt } from '../../store/attempts-repository.js';
import { findJobOfRun } from '../../store/jobs-repository.js';
import { findAttemptState, followLogPages } from '../../store/log-follow.js';
import { readLogPages } from '../../store/logs-repository.js';
import type { ApiDeps } from '../app.js';
import { getJobLog } from '../contract/job-logs.js';
import { createRouter, type StreamedText } from '../router.js';

/** How often a followed log looks for new chunks. */
export const followPollIntervalMs = 250;

export function jobLogRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(getJobLog, async (c) => {
    const runId = c.req.param('id');
    const jobId = c.req.param('jobId');
    const { attempt, follow } = c.req.valid('query');
    const job = await findJobOfRun(deps.db, runId, jobId);
    if (!job) throw new NotFoundError(`run "${runId}" has no job "${jobId}"`);
    if (attempt !== undefined && !(await findAttemptState(deps.db, job.id, attempt))) {
      throw new NotFoundError(`job "${jobId}" has no attempt ${attempt}`);
    }
    const signal = c.req.raw.signal;
    // Pinned now unless following: a retry starting during the read must not change which attempt is served.
    const chosen = attempt ?? (follow ? undefined : ((await findLatestAttempt(deps.db, job.id)) ?? undefined));
    const fromDatabase = follow
      ? followLogPages(deps.db, job.id, chosen, { pollIntervalMs: followPollIntervalMs, signal })
      : readLogPages(deps.db, job.id, chosen);
    // An ended attempt's log moves to the artifact store; the reader continues there transparently.
    const store = deps.artifacts?.store;
    const pages = store
      ? continueFromArchive(deps.db, store, job.id, fromDatabase, async () =>
          chosen === undefined ? findLatestAttempt(deps.db, job.id) : chosen,
        )
      : fromDatabase;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await pages.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          // Headers are gone already: all that is left is to cut the body, which the client sees as an error.
          deps.log.error({ err: error, runId, jobId, attempt }, 'log stream failed');
          controller.error(error);
        }
      },
      async cancel() {
        await pages.return(undefined);
      },
    });
    return c.body(body, 200, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      // Tells proxies such as nginx not to hold a followed log back.
      'x-accel-buffering': 'no',
    }) as unknown as StreamedText;
  });

  return app;
}
