/** `gantry cancel RUN` and `gantry retry RUN JOB`: act on a run. */
import type { Argv } from 'yargs';
import {
  type CommandContext,
  connect,
  printJson,
  runClientCommand,
  UsageError,
  withConnection,
  withJson,
} from './command.js';

export function registerRunActions<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs
    .command(
      'cancel <run>',
      'cancel a run: queued jobs are dropped, running jobs are stopped (SIGTERM, grace, SIGKILL)',
      (command) => withJson(withConnection(command)).positional('run', { type: 'string', describe: "the run's id" }),
      async (args) => {
        exit(
          await runClientCommand(io, async () => {
            if (!args.run) throw new UsageError('RUN is required');
            const answer = await connect(args, io, options).cancelRun(args.run);
            if (args.json) printJson(io, answer);
            else {
              const stopping = answer.stoppingJobs > 0 ? ` (stopping ${answer.stoppingJobs} running jobs)` : '';
              io.stdout(`canceled run ${args.run}${stopping}\n`);
            }
            return 0;
          }),
        );
      },
    )
    .command(
      'retry <run> <job>',
      'run a finished job again as its next attempt; the run re-opens',
      (command) =>
        withJson(withConnection(command))
          .positional('run', { type: 'string', describe: "the run's id" })
          .positional('job', { type: 'string', describe: "the job's id" }),
      async (args) => {
        exit(
          await runClientCommand(io, async () => {
            if (!args.run || !args.job) throw new UsageError('RUN and JOB are required');
            const answer = await connect(args, io, options).retryJob(args.run, args.job);
            if (args.json) printJson(io, answer);
            else io.stdout(`retrying job ${args.job} of run ${args.run}\n`);
            return 0;
          }),
        );
      },
    );
}
