/**
 * `gantry environment protect|list`: protected environments. `protect` (admin)
 * gives every stage deploying to NAME at least the gate it describes.
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
import { formatTimestamp } from './format.js';

export function registerEnvironments<T>(yargs: Argv<T>, context: CommandContext) {
  return yargs.command('environment', 'protect deployment environments and list them', (command) =>
    command
      .command(
        'protect <name>',
        'every stage with environment: NAME waits for these approvers (admin)',
        (protect) =>
          withJson(withConnection(protect))
            .positional('name', { type: 'string', demandOption: true, describe: 'the environment' })
            .option('approvers', {
              type: 'string',
              array: true,
              demandOption: true,
              requiresArg: true,
              describe: 'token names or role:NAME; repeat or list several',
            })
            .option('required', { type: 'number', default: 1, requiresArg: true, describe: 'distinct approvals' })
            .option('branches', {
              type: 'string',
              array: true,
              requiresArg: true,
              describe: 'refs allowed to deploy here (default: any)',
            }),
        async (args) =>
          context.exit(
            await runClientCommand(context.io, async () => {
              const saved = await connect(args, context.io, context.options).protectEnvironment(args.name, {
                approvers: args.approvers,
                required: args.required,
                ...(args.branches === undefined ? {} : { branches: args.branches }),
              });
              if (args.json) printJson(context.io, saved);
              else context.io.stdout(`protected ${saved.name}: ${describe(saved)}\n`);
              return 0;
            }),
          ),
      )
      .command(
        'list',
        'list the protected environments',
        (list) => withJson(withConnection(list)),
        async (args) =>
          context.exit(
            await runClientCommand(context.io, async () => {
              const { environments } = await connect(args, context.io, context.options).listEnvironments();
              const rows = environments.map((environment) => [
                environment.name,
                environment.approvers.join(','),
                String(environment.required),
                environment.branches?.join(',') ?? 'any',
                environment.updatedBy,
                formatTimestamp(environment.updatedAt),
              ]);
              return printList(context.io, {
                json: args.json,
                document: { environments },
                empty: 'no protected environments',
                header: ['NAME', 'APPROVERS', 'REQUIRED', 'BRANCHES', 'BY', 'UPDATED'],
                rows,
              });
            }),
          ),
      )
      .demandCommand(1, 'name an environment command: protect or list'),
  );
}

function describe(protection: { approvers: string[]; required: number; branches: string[] | null }): string {
  const branches = protection.branches ? `; from ${protection.branches.join(', ')}` : '';
  return `${protection.required} of ${protection.approvers.join(', ')}${branches}`;
}
