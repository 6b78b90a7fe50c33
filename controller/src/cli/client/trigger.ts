/**
 * `gantry trigger`: start a run, optionally follow it to its outcome. Inside a
 * working clone `--repo` defaults to its `origin` and `--ref` to its current
 * branch. With `--follow`: exit 0 succeeded, 1 failed/canceled/rejected,
 * 2 waiting for approval, 3 the farm could not be reached.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { type ApiClient, ApiUnreachableError } from './api-client.js';
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
import { followRun } from './follow.js';
import type { CliIo } from './io.js';
import { currentBranchOf, originOf } from './working-clone.js';

interface TriggerArgs {
  repo?: string | undefined;
  ref?: string | undefined;
  sha?: string | undefined;
  follow: boolean;
  wait: boolean;
  json: boolean;
  idempotencyKey?: string | undefined;
}

export function registerTrigger<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs.command(
    'trigger',
    "start a run of the repository's .gantry.yml",
    (command) =>
      withJson(withConnection(command))
        .option('repo', {
          type: 'string',
          requiresArg: true,
          describe: "a local path (made absolute) or a clone URL (default: the working clone's origin)",
        })
        .option('ref', {
          type: 'string',
          requiresArg: true,
          describe: "branch or tag (default: the working clone's current branch without --repo, else main)",
        })
        .option('sha', { type: 'string', requiresArg: true, describe: 'commit to build (default: the head of REF)' })
        .option('follow', {
          type: 'boolean',
          default: false,
          describe:
            'show progress until the run ends; exit 0 succeeded, 1 failed or canceled, 2 waiting for approval, 3 farm unreachable',
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
          const target = await triggerTarget(args.repo, args.ref, options.cwd ?? process.cwd());
          const api = connect(args, io, options);
          try {
            return await triggerRun(api, io, args, target, options.pollIntervalMs ?? 300);
          } catch (error) {
            if (!(error instanceof ApiUnreachableError) || io.signal?.aborted) throw error;
            io.stderr(`${error.message}\n`);
            return exitCodes.unreachable;
          }
        }),
      );
    },
  );
}

async function triggerRun(
  api: ApiClient,
  io: CliIo,
  args: TriggerArgs,
  target: { repo: string; ref: string },
  pollIntervalMs: number,
): Promise<number> {
  const body = { ...target, ...(args.sha === undefined ? {} : { sha: args.sha }) };
  const run = await api.triggerRun(body, args.idempotencyKey);
  const page = new URL(run.url, `${api.baseUrl}/`).href;
  if (!args.json) io.stdout(`run ${run.id} ${run.status}: ${page}\n`);
  if (!args.follow) {
    if (args.json) printJson(io, { ...run, url: page });
    return exitCodes.ok;
  }
  // With --json the progress lines are left out and the run as it ended is the one document.
  const followIo = args.json ? { ...io, stdout: () => {}, terminal: false } : io;
  const code = await followRun(api, run.id, followIo, {
    initialStatus: run.status,
    waitForApproval: args.wait,
    pollIntervalMs,
  });
  if (args.json && code !== exitCodes.interrupted) printJson(io, await api.getRun(run.id));
  return code;
}

/** `--repo` and `--ref` as given, else the working clone's origin and current branch. */
async function triggerTarget(
  repo: string | undefined,
  ref: string | undefined,
  cwd: string,
): Promise<{ repo: string; ref: string }> {
  if (repo !== undefined) return { repo: resolveRepo(repo, cwd), ref: ref ?? 'main' };
  const origin = await originOf(cwd);
  if (origin === null) {
    throw new UsageError(`no --repo given and ${cwd} is not a git clone with an "origin" remote`);
  }
  const branch = ref ?? (await currentBranchOf(cwd));
  if (branch === null) throw new UsageError('no --ref given and the working clone is on no branch (detached HEAD)');
  return { repo: resolveRepo(origin, cwd), ref: branch };
}

/**
 * URLs (`https://…`, `ssh://…`, `git@host:path`) pass through; anything else is
 * a path on this machine, which the controller reads directly, so it is made absolute.
 */
export function resolveRepo(repo: string, cwd: string): string {
  if (/^[a-z][a-z\d+.-]*:\/\//i.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo)) return repo;
  return isAbsolute(repo) ? repo : resolve(cwd, repo);
}
