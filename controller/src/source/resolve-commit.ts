/**
 * Turns a trigger's (ref, sha?) into one full commit id in a repository that
 * is already up to date, and the ref's full name: the ref is qualified first
 * (qualify-ref.ts: a name that is both a branch and a tag is refused) and the
 * object it points at is what is resolved, so git's own order of refs never
 * picks another ref of the same name. The lookup that qualifies a branch or
 * a tag also gives its commit, which answers a trigger of its head (no sha,
 * or the head's full id) alone; otherwise one `git cat-file --batch-check`
 * answers both names, and `git merge-base --is-ancestor` checks that a given
 * sha is on the ref.
 */
import { runGit } from './git-command.js';
import { qualifyRefIn } from './qualify-ref.js';
import { type ReadableRepository, unreadable } from './readable-repository.js';
import { SourceError } from './source-error.js';

export interface ResolvedRef {
  /** The full id of the commit to build. */
  sha: string;
  /** The ref in full (`refs/heads/main`, `refs/tags/v1`), or null when git names it otherwise. */
  fullRef: string | null;
}

type Lookup = { found: true; sha: string } | { found: false; why: 'missing' | 'ambiguous' };

/**
 * `ref` must already have passed assertRefName; `sha` is a hex commit id
 * (abbreviated or full). Returns the full sha of `sha` when given (after
 * checking it is reachable from `ref`), else of `ref`, with `ref` in full.
 */
export async function resolveRefIn(
  repository: ReadableRepository,
  ref: string,
  sha: string | null,
  timeoutMs: number,
): Promise<ResolvedRef> {
  const qualified = await qualifyRefIn(repository, ref, timeoutMs);
  const notFound = () => new SourceError('REF_NOT_FOUND', `ref "${ref}" not found in ${repository.display}`);
  if (qualified.kind === 'ref' && qualified.object === null) throw notFound();
  const fullRef = qualified.kind === 'ref' ? qualified.fullRef : null;
  // The ref's commit came with its lookup: its head, or a given full id that is that head, needs no other git.
  const head = qualified.kind === 'ref' ? qualified.commit : null;
  if (head !== null && (sha === null || sha.toLowerCase() === head)) return { sha: head, fullRef };
  // A full object id reads as nothing but itself; a name that is no branch or tag is read as git reads it.
  const refName = qualified.kind === 'ref' && qualified.object !== null ? qualified.object : ref;
  const [refCommit, given] = await lookUpCommits(repository, sha ? [refName, sha] : [refName], timeoutMs);
  if (!refCommit?.found) throw notFound();
  if (!sha) return { sha: refCommit.sha, fullRef };
  // git reads an abbreviated id that is also a ref's name as that ref: the commit must start with the digits given.
  const shaCommit =
    given?.found && !given.sha.startsWith(sha.toLowerCase()) ? await commitById(repository, sha, timeoutMs) : given;
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
  return { sha: shaCommit.sha, fullRef };
}

/**
 * The commit an abbreviated id names, looked up among the objects whose ids
 * start with it (`rev-parse --disambiguate`), so no ref can answer; a tag
 * object counts as the commit it points at.
 */
async function commitById(repository: ReadableRepository, prefix: string, timeoutMs: number): Promise<Lookup> {
  // `prefix` is 4 to 64 hex digits (the caller checked): the argument cannot read as anything else.
  const outcome = await runGit([...repository.gitArgs, 'rev-parse', `--disambiguate=${prefix}`], { timeoutMs });
  if (outcome.exitCode !== 0) throw unreadable(repository, outcome.stderr);
  const objects = outcome.stdout.split('\n').filter((line) => /^[0-9a-f]{40,64}$/.test(line));
  if (objects.length === 0) return { found: false, why: 'missing' };
  const commits = new Set(
    (await lookUpCommits(repository, objects, timeoutMs)).flatMap((lookup) => (lookup.found ? [lookup.sha] : [])),
  );
  const [commit] = commits;
  if (commit === undefined) return { found: false, why: 'missing' };
  return commits.size === 1 ? { found: true, sha: commit } : { found: false, why: 'ambiguous' };
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
