/**
 * GET /api/runs/:id/jobs/:jobId/log[?attempt=N][&follow=1][&tailBytes=N]: one attempt's
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
import { findLogArchive } from '../../store/log-archives-repository.js';
import { findAttemptState, followLogPages } from '../../store/log-follow.js';
import { findTailStart, readLogPages } from '../../store/logs-repository.js';
import { listStepReports } from '../../store/steps-repository.js';
import type { ApiDeps } from '../app.js';
import { getJobLog, getJobSteps } from '../contract/job-logs.js';
import { skipToLineStart } from '../log-tail.js';
import { createRouter, type StreamedText } from '../router.js';

/**
 * Where a tail of `tailBytes` begins: in the database rows while the attempt's
 * log is there, else in its archive (whose rows are gone). `cutAt` is the first
 * byte of the tail; the reader starts at `byteOffset` and skips to the first
 * line that begins after `cutAt`.
 */
async function tailStart(deps: ApiDeps, jobId: string, attempt: number, tailBytes: number) {
  const inDatabase = await findTailStart(deps.db, jobId, attempt, tailBytes);
  if (inDatabase.cutAt > 0 || !deps.artifacts?.store) return { ...inDatabase, archived: false };
  const archive = await findLogArchive(deps.db, jobId, attempt);
  if (!archive || archive.bytes <= tailBytes) return { ...inDatabase, archived: false };
  const cutAt = archive.bytes - tailBytes;
  // One byte early, so the skip to the first whole line after cutAt applies as it does on the rows.
  return { seq: 0, byteOffset: cutAt - 1, cutAt, archived: true };
}

async function* noPages(): AsyncGenerator<Uint8Array> {}

/** How often a followed log looks for new chunks. */
export const followPollIntervalMs = 250;

export function jobLogRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(getJobLog, async (c) => {
    const runId = c.req.param('id');
    const jobId = c.req.param('jobId');
    const { attempt: asked, follow, tailBytes } = c.req.valid('query');
    const job = await findJobOfRun(deps.db, runId, jobId);
    if (!job) throw new NotFoundError(`run "${runId}" has no job "${jobId}"`);
    if (asked !== undefined && !(await findAttemptState(deps.db, job.id, asked))) {
      throw new NotFoundError(`job "${jobId}" has no attempt ${asked}`);
    }
    // A tail needs the attempt now; otherwise a followed log may wait for the job's first attempt.
    const attempt =
      tailBytes === undefined ? asked : (asked ?? (await findLatestAttempt(deps.db, job.id)) ?? undefined);
    const start =
      tailBytes === undefined || attempt === undefined
        ? { seq: 0, byteOffset: 0, cutAt: 0, archived: false }
        : await tailStart(deps, job.id, attempt, tailBytes);
    const signal = c.req.raw.signal;
    // Pinned now unless following: a retry starting during the read must not change which attempt is served.
    const chosen = attempt ?? (follow ? undefined : ((await findLatestAttempt(deps.db, job.id)) ?? undefined));
    // The attempt whose rows are read; a followed log learns it once the job has one. The archive is read for the
    // same attempt: a retry begun meanwhile must not splice its log onto this one.
    let served = chosen;
    const fromDatabase = start.archived
      ? noPages()
      : follow
        ? followLogPages(deps.db, job.id, chosen, {
            pollIntervalMs: followPollIntervalMs,
            signal,
            fromSeq: start.seq,
            onAttempt: (followed) => {
              served = followed;
            },
          })
        : readLogPages(deps.db, job.id, chosen, undefined, start.seq);
    // An ended attempt's log moves to the artifact store; the reader continues there transparently.
    const store = deps.artifacts?.store;
    const pages = store
      ? continueFromArchive(deps.db, store, job.id, fromDatabase, async () => served ?? null, start.byteOffset)
      : fromDatabase;
    // A tail starts at the first line that begins inside its last tailBytes (or mid-line, for a line longer than that).
    let first: Uint8Array | null = null;
    let offset = start.byteOffset;
    if (start.cutAt > start.byteOffset) {
      const cut = await skipToLineStart(pages, start.cutAt - start.byteOffset);
      first = cut.first;
      offset += cut.skipped;
    }
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (first) {
          controller.enqueue(first);
          first = null;
          return;
        }
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
      'x-gantry-log-offset': String(offset),
    }) as unknown as StreamedText;
  });

  app.openapi(getJobSteps, async (c) => {
    const runId = c.req.param('id');
    const jobId = c.req.param('jobId');
    const job = await findJobOfRun(deps.db, runId, jobId);
    if (!job) throw new NotFoundError(`run "${runId}" has no job "${jobId}"`);
    const asked = c.req.valid('query').attempt;
    if (asked !== undefined && !(await findAttemptState(deps.db, job.id, asked))) {
      throw new NotFoundError(`job "${jobId}" has no attempt ${asked}`);
    }
    const attempt = asked ?? (await findLatestAttempt(deps.db, job.id));
    const reports = attempt === null ? [] : await listStepReports(deps.db, job.id, attempt);
    const byIndex = new Map(reports.map((report) => [report.stepIndex, report]));
    const steps = job.spec.steps.map((command, index) => {
      const report = byIndex.get(index);
      return {
        index,
        command,
        status: (report?.status ?? 'pending') as 'pending',
        exitCode: report?.exitCode ?? null,
        startedAt: report?.startedAt?.toISOString() ?? null,
        finishedAt: report?.finishedAt?.toISOString() ?? null,
      };
    });
    return c.json({ attempt, steps }, 200);
  });

  return app;
}
