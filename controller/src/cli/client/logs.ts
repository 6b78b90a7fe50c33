/** `gantry logs`: print one job's log. */
import { parseArgs } from 'node:util';
import type { JobView, RunDetail, StageView } from './api-types.js';
import {
  type ClientOptions,
  connect,
  connectionHelp,
  connectionOptions,
  parsePositiveInteger,
  runClientCommand,
  UsageError,
} from './command.js';
import type { CliIo } from './io.js';
import { jobLabel } from './progress.js';

const usage = `usage: gantry logs RUN_ID JOB [--attempt N]

Print a job's log. JOB is the job's id, its name, or STAGE/NAME.
  --attempt N     which attempt (default: the latest)
${connectionHelp}`;

/** No job of the run matches what the user typed, or several do. */
export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  readonly code: 'job_not_found' | 'job_ambiguous';

  constructor(code: 'job_not_found' | 'job_ambiguous', message: string) {
    super(message);
    this.code = code;
  }
}

export async function logsCommand(args: string[], io: CliIo, options: ClientOptions = {}): Promise<number> {
  return runClientCommand(args, io, usage, async () => {
    const { values, positionals } = parseArgs({
      args,
      options: { ...connectionOptions, attempt: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const [runId, jobRef, ...extra] = positionals;
    if (runId === undefined || jobRef === undefined) throw new UsageError('RUN_ID and JOB are required');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const attempt = parsePositiveInteger('--attempt', values.attempt);
    const api = connect(values, io, options);

    const run = await api.getRun(runId);
    let job: JobView;
    try {
      job = findJob(run, jobRef);
    } catch (error) {
      if (!(error instanceof JobNotFoundError)) throw error;
      io.stderr(`error: ${error.message}\n`);
      return 1;
    }
    const log = await api.jobLogText(run.id, job.id, attempt);
    io.stdout(log === '' || log.endsWith('\n') ? log : `${log}\n`);
    return 0;
  });
}

/** Matches a job id first, then `STAGE/NAME`, then a bare name that only one stage uses. */
export function findJob(run: RunDetail, jobRef: string): JobView {
  const jobs = run.stages.flatMap((stage) => stage.jobs.map((job) => ({ stage, job })));
  const byId = jobs.find(({ job }) => job.id === jobRef);
  if (byId) return byId.job;
  const byLabel = jobs.find(({ stage, job }) => jobLabel(stage, job) === jobRef);
  if (byLabel) return byLabel.job;
  const byName = jobs.filter(({ job }) => job.name === jobRef);
  const [first, second] = byName;
  if (first && !second) return first.job;
  if (first) {
    throw new JobNotFoundError(
      'job_ambiguous',
      `run ${run.id} has several jobs named "${jobRef}": ${byName.map(describe).join(', ')}; name one as STAGE/NAME`,
    );
  }
  const known = jobs.length === 0 ? 'it has no jobs' : `its jobs: ${jobs.map(describe).join(', ')}`;
  throw new JobNotFoundError('job_not_found', `run ${run.id} has no job "${jobRef}" (${known})`);
}

function describe({ stage, job }: { stage: StageView; job: JobView }): string {
  return jobLabel(stage, job);
}
