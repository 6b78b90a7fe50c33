/**
 * A ref as git names it in full: `main` → `refs/heads/main`, `v1` →
 * `refs/tags/v1` (git's own precedence when a name is both), `HEAD` → the
 * branch it points at. Null when git names it otherwise or not at all.
 */
import { runGit } from './git-command.js';
import type { ReadableRepository } from './resolve-commit.js';

/** `ref` must already have passed assertRefName (so it cannot read as an option). */
export async function qualifyRefIn(
  repository: ReadableRepository,
  ref: string,
  timeoutMs: number,
): Promise<string | null> {
  if (ref.startsWith('refs/')) return ref;
  const outcome = await runGit([...repository.gitArgs, 'rev-parse', '--symbolic-full-name', ref], { timeoutMs });
  const name = outcome.stdout.trim();
  return outcome.exitCode === 0 && /^refs\/(heads|tags)\//.test(name) ? name : null;
}
