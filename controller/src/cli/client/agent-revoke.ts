/**
 * `gantry agent revoke NAME` (admin): the agent's credential is refused from
 * its next call and its running attempts are fenced. bin/gantry.mjs sends
 * `gantry agent revoke …` here; every other `gantry agent …` runs an agent.
 */
import type { Argv } from 'yargs';
import {
  type CommandContext,
  connect,
  exitCodes,
  printJson,
  runClientCommand,
  UsageError,
  withConnection,
  withJson,
} from './command.js';

export function registerAgentCommand<T>(yargs: Argv<T>, context: CommandContext) {
  return yargs.command(
    'agent',
    'run one agent (gantry agent --help), or revoke one (gantry agent revoke NAME)',
    (command) =>
      command
        .command(
          'revoke <agent>',
          "revoke an agent: its next call is refused and its running jobs' attempts are fenced (admin)",
          (revoke) =>
            withJson(withConnection(revoke)).positional('agent', {
              type: 'string',
              describe: "the agent's name or id",
            }),
          async (args) => {
            const { io, options, exit } = context;
            exit(
              await runClientCommand(io, async () => {
                if (!args.agent) throw new UsageError('AGENT is required');
                const answer = await connect(args, io, options).revokeAgent(args.agent);
                if (args.json) printJson(io, answer);
                else {
                  const fenced =
                    answer.fencedAttempts === 1 ? '1 running attempt' : `${answer.fencedAttempts} running attempts`;
                  io.stdout(`revoked agent ${answer.name} (${answer.id}); fenced ${fenced}\n`);
                }
                return 0;
              }),
            );
          },
        )
        .strict(false),
    () => {
      // bin/gantry.mjs hands `gantry agent …` (but `agent revoke`) to the agent package before this parser runs.
      context.io.stderr('gantry: "agent" is run by bin/gantry.mjs (npx gantry agent …)\n');
      context.exit(exitCodes.usage);
    },
  );
}
