/** `gantry trigger`: start a run, optionally follow it to its outcome. */
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type ClientOptions,
  connect,
  connectionHelp,
  connectionOptions,
  runClientCommand,
  UsageError,
} from './command.js';
import { followRun } from './follow.js';
import type { CliIo } from './io.js';

const usage = `usage: gantry trigger --repo PATH_OR_URL [--ref REF] [--sha SHA] [--follow [--wait]] [--idempotency-key KEY]

Start a run of the repository's .gantry.yml.
  --repo PATH_OR_URL      a local path (made absolute) or a clone URL
  --ref REF               branch or tag (default: main)
  --sha SHA               commit to build (default: the head of REF)
  --follow                print progress until the run ends; exit 1 unless it succeeds
  --wait                  with --follow, keep following through approvals
  --idempotency-key KEY   the same key returns the same run instead of starting another
${connectionHelp}`;

export async function triggerCommand(args: string[], io: CliIo, options: ClientOptions = {}): Promise<number> {
  return runClientCommand(args, io, usage, async () => {
    const { values, positionals } = parseArgs({
      args,
      options: {
        ...connectionOptions,
        repo: { type: 'string' },
        ref: { type: 'string', default: 'main' },
        sha: { type: 'string' },
        follow: { type: 'boolean', default: false },
        wait: { type: 'boolean', default: false },
        'idempotency-key': { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (values.repo === undefined || values.repo === '') throw new UsageError('--repo is required');
    if (values.wait && !values.follow) throw new UsageError('--wait only makes sense with --follow');
    const api = connect(values, io, options);

    const body = {
      repo: resolveRepo(values.repo, options.cwd ?? process.cwd()),
      ref: values.ref,
      ...(values.sha === undefined ? {} : { sha: values.sha }),
    };
    const run = await api.triggerRun(body, values['idempotency-key']);
    const page = new URL(run.url, `${api.baseUrl}/`).href;
    io.stdout(`run ${run.id} ${run.status}: ${page}\n`);
    if (!values.follow) return 0;
    return followRun(api, run.id, io, {
      initialStatus: run.status,
      waitForApproval: values.wait,
      pollIntervalMs: options.pollIntervalMs ?? 300,
    });
  });
}

/**
 * URLs (`https://…`, `ssh://…`, `git@host:path`) pass through; anything else is
 * a path on this machine, which the controller reads directly, so it is made absolute.
 */
export function resolveRepo(repo: string, cwd: string): string {
  if (/^[a-z][a-z\d+.-]*:\/\//i.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo)) return repo;
  return isAbsolute(repo) ? repo : resolve(cwd, repo);
}
