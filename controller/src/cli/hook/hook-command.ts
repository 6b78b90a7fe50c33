/**
 * `gantry hook install --repo X.git [--url URL] [--token-file F] [--clone-url U]`
 * and `gantry hook uninstall --repo X.git`: the git server side of runs from
 * pushes. Install saves the API token next to the hook (mode 600).
 */
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { type CommandContext, runClientCommand, UsageError, withConnection } from '../client/command.js';
import { resolveConnection } from '../client/connection.js';
import { installHook, uninstallHook } from './hook-files.js';

export function registerHook<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  const cwd = () => options.cwd ?? process.cwd();
  return yargs.command('hook', 'install or remove the post-receive hook of a bare repository', (command) =>
    command
      .command(
        'install',
        'write a post-receive hook that starts a run for every pushed branch or tag',
        (sub) =>
          withConnection(sub)
            .option('repo', { type: 'string', demandOption: true, requiresArg: true, describe: 'the bare repository' })
            .option('clone-url', {
              type: 'string',
              requiresArg: true,
              describe: 'the repository as the controller and agents reach it (default: the absolute --repo path)',
            }),
        async (args) => {
          exit(
            await runClientCommand(io, async () => {
              if (args.repo === '') throw new UsageError('--repo must not be empty');
              const { baseUrl, token } = resolveConnection(args, io.env);
              if (args.token !== undefined) io.stderr('warning: --token is visible in ps; prefer --token-file\n');
              const gitDir = resolve(cwd(), args.repo);
              const { chained } = await installHook({ gitDir, apiUrl: baseUrl, token, repo: args.cloneUrl ?? gitDir });
              io.stdout(
                `installed ${gitDir}/hooks/post-receive (reports pushes to ${baseUrl})${chained ? '; the hook that was there runs first' : ''}\n`,
              );
              return 0;
            }),
          );
        },
      )
      .command(
        'uninstall',
        'remove the post-receive hook (a hook it chained goes back in place)',
        (sub) =>
          sub.option('repo', {
            type: 'string',
            demandOption: true,
            requiresArg: true,
            describe: 'the bare repository',
          }),
        async (args) => {
          exit(
            await runClientCommand(io, async () => {
              const gitDir = resolve(cwd(), args.repo);
              const removed = await uninstallHook(gitDir);
              io.stdout(removed ? `removed the gantry hook of ${gitDir}\n` : `${gitDir} has no gantry hook\n`);
              return 0;
            }),
          );
        },
      )
      .demandCommand(1, 'name a subcommand: install or uninstall'),
  );
}
