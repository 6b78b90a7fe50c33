/** A repository git reads, and the error that says it cannot be read. */
import { gitReason } from './git-command.js';
import { SourceError } from './source-error.js';

/** A repository git can read: `gitArgs` select it (`['-C', path]` or `['--git-dir', dir]`). */
export interface ReadableRepository {
  gitArgs: string[];
  /** How messages name it (what the user gave, password masked). */
  display: string;
}

export function unreadable(repository: ReadableRepository, gitSays: string, cause?: unknown): SourceError {
  return new SourceError(
    'REPOSITORY_UNREADABLE',
    `cannot read ${repository.display}: ${gitReason(gitSays) || 'git failed'}`,
    cause === undefined ? undefined : { cause },
  );
}
