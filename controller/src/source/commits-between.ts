/** The commits one sha has and another lacks (`git log A..B`), for "what would this release change". */
import { runGit } from './git-command.js';
import type { ReadableRepository } from './readable-repository.js';

export interface CommitSummary {
  sha: string;
  author: string;
  committedAt: string;
  subject: string;
}

/**
 * Commits reachable from `to` and not from `from`, newest first, at most
 * `limit` (`truncated` says there were more). Null when either is not a
 * commit of the repository.
 */
export async function commitsBetweenIn(
  repository: ReadableRepository,
  from: string,
  to: string,
  limit: number,
  timeoutMs: number,
): Promise<{ commits: CommitSummary[]; truncated: boolean } | null> {
  const outcome = await runGit(
    [
      ...repository.gitArgs,
      'log',
      `--max-count=${limit + 1}`,
      '--format=%H%x00%an%x00%cI%x00%s%x1e',
      `${from}..${to}`,
      '--',
    ],
    { timeoutMs },
  );
  if (outcome.exitCode !== 0) return null;
  const commits = outcome.stdout
    .split('\x1e')
    .map((record) => record.trim())
    .filter((record) => record !== '')
    .map((record) => {
      const [sha = '', author = '', committedAt = '', subject = ''] = record.split('\0');
      return { sha, author, committedAt, subject };
    });
  return { commits: commits.slice(0, limit), truncated: commits.length > limit };
}
