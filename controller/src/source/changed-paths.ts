/** The files two commits differ in, for `on.push.paths`. */
import { runGit } from './git-command.js';
import type { ReadableRepository } from './readable-repository.js';

/** More changed files than this and the push is taken to touch everything (the filter lets it run). */
const MAX_CHANGED_PATHS = 100_000;

/**
 * Both ids must be full hex commit ids. Null when `before` is not in the
 * repository (a force-push of history it never saw) or too much changed.
 */
export async function changedPathsIn(
  repository: ReadableRepository,
  before: string,
  after: string,
  timeoutMs: number,
): Promise<string[] | null> {
  const outcome = await runGit(
    [...repository.gitArgs, 'diff', '--no-renames', '--name-only', '-z', before, after, '--'],
    { timeoutMs },
  );
  if (outcome.exitCode !== 0) return null;
  const paths = outcome.stdout.split('\0').filter((path) => path !== '');
  return paths.length > MAX_CHANGED_PATHS ? null : paths;
}
