/**
 * Turns a trigger's (ref, sha?) into one full commit id in a repository that
 * is already up to date: one `git cat-file --batch-check` answers both names,
 * and `git merge-base --is-ancestor` checks that a given sha is on the ref.
 */
import { gitReason, runGit } from './git-command.js';
import { SourceError } from './source-error.js';

/** A repository git can read: `gitArgs` select it (`['-C', path]` or `['--git-dir', dir]`). */
export interface ReadableRepository {
  gitArgs: string[];
  /** How messages name it (what the user gave, password masked). */
  display: string;
}

type Lookup = { found: true; sha: string } | { found: false; why: 'missing' | 'ambiguous' };

/**
 * `ref` must already have passed assertRefName; `sha` is a hex commit id
 * (abbreviated or full). Returns the full sha of `sha` when given (after
 * checking it is reachable from `ref`), else of `ref`.
 */
export async function resolveCommitIn(
  repository: ReadableRepository,
  ref: string,
  sha: string | null,
  timeoutMs: number,
): Promise<string> {
  const [refCommit, shaCommit] = await lookUpCommits(repository, sha ? [ref, sha] : [ref], timeoutMs);
  if (!refCommit?.found) throw new SourceError('REF_NOT_FOUND', `ref "${ref}" not found in ${repository.display}`);
  if (!sha) return refCommit.sha;
  if (shaCommit && !shaCommit.found && shaCommit.why === 'ambiguous') {
    throw new SourceError(
      'COMMIT_NOT_FOUND',
      `commit id ${sha} is ambiguous in ${repository.display}: give more digits`,
    );
  }
  if (!shaCommit?.found) {
    // The ref's whole history is here, so a commit that is not is not on the ref either.
    throw new SourceError(
      'COMMIT_NOT_FOUND',
      `commit ${sha} is not on ref "${ref}" of ${repository.display} (no such commit)`,
    );
  }
  if (shaCommit.sha !== refCommit.sha && !(await isAncestor(repository, shaCommit.sha, refCommit.sha, timeoutMs))) {
    throw new SourceError(
      'SHA_NOT_ON_REF',
      `commit ${shaCommit.sha} is not on ref "${ref}" of ${repository.display} (its head is ${refCommit.sha})`,
    );
  }
  return shaCommit.sha;
}

async function lookUpCommits(repository: ReadableRepository, names: string[], timeoutMs: number): Promise<Lookup[]> {
  const outcome = await runGit([...repository.gitArgs, 'cat-file', '--batch-check'], {
    timeoutMs,
    stdin: names.map((name) => `${name}^{commit}\n`).join(''),
  });
  if (outcome.exitCode !== 0) throw unreadable(repository, outcome.stderr);
  const lines = outcome.stdout.split('\n').filter((line) => line !== '');
  if (lines.length !== names.length) throw unreadable(repository, 'git cat-file gave an incomplete answer');
  return lines.map((line): Lookup => {
    if (line.endsWith(' missing')) return { found: false, why: 'missing' };
    if (line.endsWith(' ambiguous')) return { found: false, why: 'ambiguous' };
    const [commit = '', type] = line.split(' ');
    return type === 'commit' ? { found: true, sha: commit } : { found: false, why: 'missing' };
  });
}

async function isAncestor(
  repository: ReadableRepository,
  ancestor: string,
  descendant: string,
  timeoutMs: number,
): Promise<boolean> {
  // Both are full commit ids from cat-file: nothing here can read as an option.
  const outcome = await runGit([...repository.gitArgs, 'merge-base', '--is-ancestor', ancestor, descendant], {
    timeoutMs,
  });
  if (outcome.exitCode === 0) return true;
  if (outcome.exitCode === 1) return false;
  throw unreadable(repository, outcome.stderr);
}

export function unreadable(repository: ReadableRepository, gitSays: string, cause?: unknown): SourceError {
  return new SourceError(
    'REPOSITORY_UNREADABLE',
    `cannot read ${repository.display}: ${gitReason(gitSays) || 'git failed'}`,
    cause === undefined ? undefined : { cause },
  );
}
