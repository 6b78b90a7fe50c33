/**
 * `gantry repo add CLONE_URL --webhook-secret-file F` (or `--webhook-secret S`) and
 * `gantry repo list`: repositories whose push webhooks the controller accepts.
 */
import { readFile } from 'node:fs/promises';
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

export function registerRepositories<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs.command('repo', 'register repositories for push webhooks', (command) =>
    command
      .command(
        'add <repository>',
        'register a repository (its clone URL) and the secret its webhooks are signed with',
        (sub) =>
          withConnection(sub)
            .positional('repository', {
              type: 'string',
              demandOption: true,
              describe: 'its clone URL, as the payloads name it',
            })
            .option('webhook-secret', {
              type: 'string',
              requiresArg: true,
              describe: 'the webhook secret; visible in ps, prefer --webhook-secret-file',
            })
            .option('webhook-secret-file', {
              type: 'string',
              requiresArg: true,
              describe: 'a file holding the secret',
            }),
        async (args) => {
          exit(
            await runClientCommand(io, async () => {
              const secret = await readSecret(args.webhookSecret, args.webhookSecretFile);
              if (args.webhookSecret !== undefined) {
                io.stderr('warning: --webhook-secret is visible in ps; prefer --webhook-secret-file\n');
              }
              const api = connect(args, io, options);
              const saved = await api.addRepository({ url: args.repository, webhookSecret: secret });
              io.stdout(`registered ${saved.url}; point its push webhook at ${api.baseUrl}/api/hooks/push\n`);
              return 0;
            }),
          );
        },
      )
      .command(
        'list',
        'list the registered repositories (never their secrets)',
        (sub) => withJson(withConnection(sub)),
        async (args) => {
          exit(
            await runClientCommand(io, async () => {
              const { repositories } = await connect(args, io, options).listRepositories();
              if (args.json) printJson(io, repositories);
              else
                for (const repository of repositories)
                  io.stdout(`${repository.url}  added by ${repository.createdBy}\n`);
              return 0;
            }),
          );
        },
      )
      .demandCommand(1, 'name a subcommand: add or list'),
  );
}

async function readSecret(secret: string | undefined, file: string | undefined): Promise<string> {
  if ((secret === undefined) === (file === undefined)) {
    throw new UsageError('give the webhook secret with exactly one of --webhook-secret-file or --webhook-secret');
  }
  if (secret !== undefined) return secret;
  const text = await readFile(file ?? '', 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read --webhook-secret-file ${file}: ${error.code ?? error.message}`);
  });
  return text.replace(/\r?\n$/, '');
}
