/** `gantry logs`: print a job's log as it streams in, optionally following a running job to its end. */
import type { Argv } from 'yargs';
import type { JobView, RunDetail, StageView } from './api-types.js';
import {
  type CommandContext,
  connect,
  exitCodes,
  positiveInteger,
  runClientCommand,
  withConnection,
} from './command.js';
import type { CliIo } from './io.js';
import { jobLabel } from './progress.js';
import { TerminalFilter } from './terminal-filter.js';

/** No job of the run matches what the user typed, or several do. */
export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  readonly code: 'job_not_found' | 'job_ambiguous';

  constructor(code: 'job_not_found' | 'job_ambiguous', message: string) {
    super(message);
    this.code = code;
  }
}

export function registerLogs<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs.command(
    'logs <run> <job>',
    "print a job's log as it arrives",
    (command) =>
      withConnection(command)
        .positional('run', { type: 'string', describe: "the run's id" })
        .positional('job', { type: 'string', describe: "the job's id, its name, or STAGE/NAME" })
        .option('attempt', { type: 'string', requiresArg: true, describe: 'which attempt (default: the latest)' })
        .option('follow', {
          alias: 'f',
          type: 'boolean',
          default: false,
          describe: "keep printing a running job's output; exit when it ends, with 0 only if it succeeded",
        }),
    async (args) => {
      exit(
        await runClientCommand(io, async () => {
          const attempt = positiveInteger('--attempt', args.attempt);
          const api = connect(args, io, options);
          const run = await api.getRun(String(args.run));
          let job: JobView;
          try {
            job = findJob(run, String(args.job));
          } catch (error) {
            if (!(error instanceof JobNotFoundError)) throw error;
            io.stderr(`error: ${error.message}\n`);
            return exitCodes.failure;
          }
          const write = byteWriter(io);
          let last: number | undefined;
          await api.streamJobLog(
            { runId: run.id, jobId: job.id, attempt, follow: args.follow },
            async (chunk) => {
              last = chunk.at(-1) ?? last;
              await write(chunk);
            },
            { idleTimeout: !args.follow },
          );
          if (last !== undefined && last !== 0x0a) io.stdout('\n');
          if (!args.follow) return exitCodes.ok;
          return outcomeOf(await api.getRun(run.id), job.id, attempt);
        }),
      );
    },
  );
}

/** Raw bytes into a pipe or file; on a terminal, only text and colours (see TerminalFilter). */
function byteWriter(io: CliIo): (chunk: Uint8Array) => Promise<void> {
  const decoder = new TextDecoder();
  const write = io.writeBytes ?? (async (chunk: Uint8Array) => io.stdout(decoder.decode(chunk, { stream: true })));
  if (!io.terminal) return write;
  const filter = new TerminalFilter({ keepColor: io.color === true });
  return (chunk) => write(filter.write(chunk));
}

/** After following: 0 when the followed attempt's job succeeded, 1 when it ended otherwise. */
function outcomeOf(run: RunDetail, jobId: string, attempt: number | undefined): number {
  const job = run.stages.flatMap((stage) => stage.jobs).find((candidate) => candidate.id === jobId);
  if (!job || (attempt !== undefined && attempt !== job.attempt)) return exitCodes.ok;
  return job.status === 'succeeded' ? exitCodes.ok : exitCodes.failure;
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
