/** `gantry cache list [--repo R]` (read) and `gantry cache clear [--repo R]` (admin): saved caches. */
import type { Argv } from 'yargs';
import { type CommandContext, connect, printJson, runClientCommand, withConnection, withJson } from './command.js';

export function registerCache<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs.command('cache', 'list or clear the saved caches (`cache:` of the pipelines)', (cache) =>
    cache
      .command(
        'list',
        'the saved caches: repository, scope, key, size, last used',
        (command) =>
          withJson(withConnection(command))
            .option('repo', { type: 'string', requiresArg: true, describe: 'only this repository' })
            .option('limit', { type: 'number', default: 200, describe: 'at most this many (1–1000)' }),
        async (args) => {
          exit(
            await runClientCommand(io, async () => {
              const query = { ...(args.repo ? { repo: args.repo } : {}), limit: args.limit };
              const { caches } = await connect(args, io, options).listCaches(query);
              if (args.json) printJson(io, { caches });
              else if (caches.length === 0) io.stdout('no caches\n');
              else {
                for (const entry of caches) {
                  io.stdout(
                    `${entry.repo}  ${entry.scope}  ${entry.key}  ${entry.size} bytes  last used ${entry.lastUsedAt}\n`,
                  );
                }
              }
              return 0;
            }),
          );
        },
      )
      .command(
        'clear',
        "delete saved caches (a repository's with --repo, else every one) and their archives (admin)",
        (command) =>
          withJson(withConnection(command)).option('repo', {
            type: 'string',
            requiresArg: true,
            describe: 'only this repository',
          }),
        async (args) => {
          exit(
            await runClientCommand(io, async () => {
              const report = await connect(args, io, options).clearCaches(args.repo ? { repo: args.repo } : {});
              if (args.json) printJson(io, report);
              else io.stdout(`deleted ${report.deleted} caches (${report.bytes} bytes)\n`);
              return 0;
            }),
          );
        },
      )
      .demandCommand(1, 'name a subcommand: list or clear'),
  );
}
