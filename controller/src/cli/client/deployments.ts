/**
 * `gantry environments`: what is live in each environment (commit, run, when,
 * who approved); with `--history NAME`, that environment's deployments.
 * `gantry deploy --environment NAME --run RUN_ID`: roll back (or forward) to
 * a finished run: its stage for NAME runs again with its commit and
 * artifacts, through the same gate.
 */
import type { Argv } from 'yargs';
import {
  type CommandContext,
  connect,
  printJson,
  printList,
  runClientCommand,
  withConnection,
  withJson,
} from './command.js';
import { formatTimestamp, printable, shellWord, shortSha } from './format.js';

export function registerDeployments<T>(yargs: Argv<T>, context: CommandContext) {
  return yargs
    .command(
      'environments',
      'what is live in each environment (--history NAME: its deployments)',
      (command) =>
        withJson(withConnection(command)).option('history', {
          type: 'string',
          requiresArg: true,
          describe: 'an environment whose deployments to list, newest first',
        }),
      async (args) =>
        context.exit(
          await runClientCommand(context.io, async () => {
            const api = connect(args, context.io, context.options);
            if (args.history !== undefined) {
              const { deployments } = await api.listDeployments(args.history);
              const rows = deployments.map((deployment) => [
                formatTimestamp(deployment.createdAt),
                deployment.kind,
                deployment.status,
                shortSha(deployment.sha),
                deployment.runId,
                deployment.approvers.join(',') || '-',
                deployment.requestedBy ?? '-',
              ]);
              return printList(context.io, {
                json: args.json,
                document: { environment: args.history, deployments },
                empty: `no deployments to ${args.history}`,
                header: ['WHEN', 'KIND', 'STATUS', 'COMMIT', 'RUN', 'APPROVED BY', 'REQUESTED BY'],
                rows,
              });
            }
            const { live } = await api.listEnvironments();
            const rows = live.map((deployment) => [
              deployment.environment,
              shortSha(deployment.sha),
              deployment.commitSubject ?? '',
              deployment.runId,
              deployment.kind,
              formatTimestamp(deployment.finishedAt),
              deployment.approvers.join(',') || '-',
            ]);
            return printList(context.io, {
              json: args.json,
              document: { live },
              empty: 'nothing deployed yet',
              header: ['ENVIRONMENT', 'COMMIT', 'SUBJECT', 'RUN', 'KIND', 'DEPLOYED', 'APPROVED BY'],
              rows,
            });
          }),
        ),
    )
    .command(
      'deploy',
      'deploy a finished run again (a rollback): its stage for --environment re-runs with its commit and artifacts',
      (command) =>
        withJson(withConnection(command))
          .option('environment', { type: 'string', demandOption: true, requiresArg: true, describe: 'the environment' })
          .option('run', {
            type: 'string',
            demandOption: true,
            requiresArg: true,
            describe: 'the run to deploy again',
          }),
      async (args) =>
        context.exit(
          await runClientCommand(context.io, async () => {
            const outcome = await connect(args, context.io, context.options).rollBack(args.environment, args.run);
            if (args.json) {
              printJson(context.io, outcome);
              return 0;
            }
            const stage = printable(outcome.stage);
            context.io.stdout(
              `rollback of ${args.environment} to ${shortSha(outcome.sha)} (run ${outcome.runId}, stage "${stage}"): ${outcome.status.replaceAll('_', ' ')}\n`,
            );
            if (outcome.status === 'awaiting_approval') {
              context.io.stdout(`approve it: gantry approve ${outcome.runId} --stage ${shellWord(stage)}\n`);
            }
            context.io.stdout(`${outcome.url}\n`);
            return 0;
          }),
        ),
    );
}
