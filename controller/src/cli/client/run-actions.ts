/** `gantry cancel RUN_ID` and `gantry retry RUN_ID JOB`: act on a run. */
import { parseArgs } from 'node:util';
import {
  type ClientOptions,
  connect,
  connectionHelp,
  connectionOptions,
  runClientCommand,
  UsageError,
} from './command.js';
import type { CliIo } from './io.js';

const cancelUsage = `usage: gantry cancel RUN_ID

Cancel a run: queued jobs are dropped, running jobs are stopped (SIGTERM, grace, SIGKILL).
${connectionHelp}`;

const retryUsage = `usage: gantry retry RUN_ID JOB_ID

Run a finished job again as its next attempt; the run re-opens.
${connectionHelp}`;

function positionalsOf(args: string[], count: number, names: string[]) {
  const { values, positionals } = parseArgs({ args, options: connectionOptions, strict: true, allowPositionals: true });
  for (const [index, name] of names.entries()) {
    if (positionals[index] === undefined) throw new UsageError(`${name} is required`);
  }
  if (positionals.length > count) throw new UsageError(`unexpected argument "${positionals[count]}"`);
  return { values, positionals: positionals as string[] };
}

export async function cancelCommand(args: string[], io: CliIo, options: ClientOptions = {}): Promise<number> {
  return runClientCommand(args, io, cancelUsage, async () => {
    const { values, positionals } = positionalsOf(args, 1, ['RUN_ID']);
    const [runId] = positionals as [string];
    const answer = await connect(values, io, options).cancelRun(runId);
    io.stdout(
      `canceled run ${runId}${answer.stoppingJobs > 0 ? ` (stopping ${answer.stoppingJobs} running jobs)` : ''}\n`,
    );
    return 0;
  });
}

export async function retryCommand(args: string[], io: CliIo, options: ClientOptions = {}): Promise<number> {
  return runClientCommand(args, io, retryUsage, async () => {
    const { values, positionals } = positionalsOf(args, 2, ['RUN_ID', 'JOB_ID']);
    const [runId, jobId] = positionals as [string, string];
    await connect(values, io, options).retryJob(runId, jobId);
    io.stdout(`retrying job ${jobId} of run ${runId}\n`);
    return 0;
  });
}
