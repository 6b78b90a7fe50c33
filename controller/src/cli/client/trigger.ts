/** `gantry trigger`: start a run, optionally follow it to its outcome. */
import { isAbsolute, resolve } from 'node:path';
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
import { followRun } from './follow.js';

export function registerTrigger<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs.command(
    'trigger',
    "start a run of the repository's .gantry.yml",
    (command) =>
      withJson(withConnection(command))
        .option('repo', {
          type: 'string',
          demandOption: true,
          requiresArg: true,
          describe: 'a local path (made absolute) or a clone URL',
        })
        .option('ref', { type: 'string', default: 'main', requiresArg: true, describe: 'branch or tag' })
        .option('sha', { type: 'string', requiresArg: true, describe: 'commit to build (default: the head of REF)' })
        .option('follow', {
          type: 'boolean',
          default: false,
          describe: 'print progress until the run ends; exit 1 unless it succeeds',
        })
        .option('wait', {
          type: 'boolean',
          default: false,
          describe: 'with --follow, keep following through approvals',
        })
        .option('idempotency-key', {
          type: 'string',
          requiresArg: true,
          describe: 'the same key returns the same run instead of starting another',
        }),
    async (args) => {
      exit(
        await runClientCommand(io, async () => {
          if (args.repo === '') throw new UsageError('--repo must not be empty');
          if (args.wait && !args.follow) throw new UsageError('--wait only makes sense with --follow');
          const api = connect(args, io, options);
          const body = {
            repo: resolveRepo(args.repo, options.cwd ?? process.cwd()),
            ref: args.ref,
            ...(args.sha === undefined ? {} : { sha: args.sha }),
          };
          const run = await api.triggerRun(body, args.idempotencyKey);
          const page = new URL(run.url, `${api.baseUrl}/`).href;
          if (!args.json) io.stdout(`run ${run.id} ${run.status}: ${page}\n`);
          if (!args.follow) {
            if (args.json) printJson(io, { ...run, url: page });
            return 0;
          }
          // With --json the progress lines are left out and the run as it ended is the one document.
          const followIo = args.json ? { ...io, stdout: () => {} } : io;
          const code = await followRun(api, run.id, followIo, {
            initialStatus: run.status,
            waitForApproval: args.wait,
            pollIntervalMs: options.pollIntervalMs ?? 300,
          });
          if (args.json && code !== 130) printJson(io, await api.getRun(run.id));
          return code;
        }),
      );
    },
  );
}

/**
 * URLs (`https://…`, `ssh://…`, `git@host:path`) pass through; anything else is
 * a path on this machine, which the controller reads directly, so it is made absolute.
 */
export function resolveRepo(repo: string, cwd: string): string {
  if (/^[a-z][a-z\d+.-]*:\/\//i.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo)) return repo;
  return isAbsolute(repo) ? repo : resolve(cwd, repo);
}
