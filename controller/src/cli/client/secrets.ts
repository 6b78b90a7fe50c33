/**
 * `gantry secret set NAME [--repo URL]` (the value on standard input, never
 * on the command line), `gantry secret list` (names only) and
 * `gantry secret delete NAME [--repo URL]`.
 */
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

/** What stdin may carry: the API's bound on a value, plus a final newline. */
const maxValueBytes = 32 * 1024 + 2;

export function registerSecrets<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  const withRepo = <U>(sub: Argv<U>) =>
    sub.option('repo', {
      type: 'string',
      requiresArg: true,
      describe: "only this repository's jobs (as runs name it); default: every repository",
    });
  return yargs.command('secret', 'job secrets: set (value on stdin), list, delete', (command) =>
    command
      .command(
        'set <name>',
        'set a secret from standard input (one trailing newline is dropped): echo -n "$VALUE" | gantry secret set NAME',
        (sub) =>
          withRepo(withConnection(sub)).positional('name', {
            type: 'string',
            demandOption: true,
            describe: 'its name, the environment variable jobs get',
          }),
        async (args) => {
          exit(
            await runClientCommand(io, async () => {
              if (!io.readStdin) throw new UsageError('gantry secret set reads the value from standard input');
              if (io.stdinIsTerminal) io.stderr(`value of ${args.name} (then Enter and Ctrl-D): `);
              const value = (await io.readStdin(maxValueBytes)).replace(/\r?\n$/, '');
              if (value === '') throw new UsageError('no value on standard input');
              const saved = await connect(args, io, options).setSecret(args.name, {
                value,
                ...(args.repo === undefined ? {} : { repo: args.repo }),
              });
              io.stdout(
                `secret ${saved.name} set${saved.repo === '' ? ' for every repository' : ` for ${saved.repo}`}\n`,
              );
              return 0;
            }),
          );
        },
      )
      .command(
        'list',
        'list the secrets (names and scopes, never values)',
        (sub) => withRepo(withJson(withConnection(sub))),
        async (args) => {
          exit(
            await runClientCommand(io, async () => {
              const { secrets } = await connect(args, io, options).listSecrets(args.repo);
              if (args.json) printJson(io, secrets);
              else
                for (const secret of secrets)
                  io.stdout(
                    `${secret.name}  ${secret.repo === '' ? '(every repository)' : secret.repo}  set by ${secret.updatedBy}\n`,
                  );
              return 0;
            }),
          );
        },
      )
      .command(
        'delete <name>',
        'delete a secret',
        (sub) =>
          withRepo(withConnection(sub)).positional('name', {
            type: 'string',
            demandOption: true,
            describe: 'its name',
          }),
        async (args) => {
          exit(
            await runClientCommand(io, async () => {
              await connect(args, io, options).deleteSecret(args.name, args.repo);
              io.stdout(`secret ${args.name} deleted\n`);
              return 0;
            }),
          );
        },
      )
      .demandCommand(1, 'name a subcommand: set, list or delete'),
  );
}
