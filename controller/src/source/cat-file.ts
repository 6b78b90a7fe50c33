/**
 * Reads one file at a commit with two git processes, both started by the
 * controller's git helper (git-runner.ts): `git cat-file --batch-check` says
 * what `<wanted>^{commit}` and its `<path>` are and how big, then, unless the
 * file is missing, no file or too large, `git cat-file --batch` reads the
 * commit and the file. `wanted` is a commit id the caller checked.
 */
import { GitProcessError, gitReason, runGit, runGitForBytes } from './git-command.js';

export type CommitFile =
  | { found: 'file'; sha: string; text: string; people: CommitPeople }
  | { found: 'too-large'; sha: string; bytes: number }
  | { found: 'commit-only'; sha: string }
  | { found: 'nothing' };

/** `gitArgs` select the repository: `['-C', path]` or `['--git-dir', dir]`. */
export async function readCommitFile(
  gitArgs: string[],
  wanted: string,
  path: string,
  timeoutMs: number,
  /** A bigger file is answered `too-large` without being read. */
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<CommitFile> {
  const sizes = await runGit([...gitArgs, 'cat-file', '--batch-check'], {
    timeoutMs,
    stdin: `${wanted}^{commit}\n${wanted}^{commit}:${path}\n`,
  });
  if (sizes.exitCode !== 0) throw catFileFailed(sizes);
  const [commit, file] = sizes.stdout.split('\n').map(describedObject);
  if (commit?.type !== 'commit') return { found: 'nothing' };
  if (file?.type !== 'blob') return { found: 'commit-only', sha: commit.sha };
  if (file.size > maxBytes) return { found: 'too-large', sha: commit.sha, bytes: file.size };
  const objects = await runGitForBytes([...gitArgs, 'cat-file', '--batch'], {
    timeoutMs,
    stdin: `${commit.sha}\n${file.sha}\n`,
  });
  if (objects.exitCode !== 0) throw catFileFailed(objects);
  const commitObject = parseAnswer(objects.stdout);
  const fileObject = commitObject && parseAnswer(objects.stdout.subarray(commitObject.consumed));
  if (!commitObject || commitObject.answer.missing || !fileObject || fileObject.answer.missing) {
    throw new GitProcessError(`git cat-file did not give ${commit.sha} and ${file.sha} back`);
  }
  const people = commitPeople(commitObject.answer.content);
  return { found: 'file', sha: commit.sha, text: fileObject.answer.content.toString('utf8'), people };
}

function catFileFailed(outcome: { exitCode: number; stderr: string }): GitProcessError {
  return new GitProcessError(gitReason(outcome.stderr) || `git cat-file exited with ${outcome.exitCode}`);
}

/** A `--batch-check` line: `<sha> <type> <size>`, or undefined for `<name> missing` / `ambiguous` (or no line). */
function describedObject(line: string | undefined): { sha: string; type: string; size: number } | undefined {
  const [sha = '', type = '', sizeText = '', ...rest] = (line ?? '').split(' ');
  if (rest.length > 0 || !/^[0-9a-f]{40,64}$/.test(sha) || !/^\d+$/.test(sizeText)) return undefined;
  return { sha, type, size: Number(sizeText) };
}

/** Who wrote and committed a commit (null when the header has none), and its subject line. */
export interface CommitPeople {
  authorEmail: string | null;
  committerEmail: string | null;
  /** The author's name, as the page shows it. */
  authorName: string | null;
  /** The first line of the message, cut at maxSubjectChars; null when the message is empty. */
  subject: string | null;
}

/** A subject longer than this is cut (a commit message may be any size; the page shows one line). */
export const maxSubjectChars = 500;

/** Reads the `author` and `committer` headers of a raw commit object (they end at the first blank line) and its subject. */
export function commitPeople(commitObject: Buffer): CommitPeople {
  const headerEnd = commitObject.indexOf('\n\n');
  const headers = commitObject.subarray(0, headerEnd < 0 ? commitObject.length : headerEnd).toString('utf8');
  const line = (field: string) => headers.split('\n').find((candidate) => candidate.startsWith(`${field} `));
  const emailOf = (field: string) => {
    const found = line(field);
    const email = found ? /<([^<>]*)>/.exec(found)?.[1]?.trim() : undefined;
    return email ? email : null;
  };
  const authorName = /^author ([^<]*)</.exec(line('author') ?? '')?.[1]?.trim() || null;
  const message =
    headerEnd < 0 ? '' : commitObject.subarray(headerEnd + 2, headerEnd + 2 + maxSubjectChars * 4).toString('utf8');
  const subject = message.trimStart().split('\n', 1)[0]?.trim().slice(0, maxSubjectChars) || null;
  return { authorEmail: emailOf('author'), committerEmail: emailOf('committer'), authorName, subject };
}

interface Answer {
  sha: string;
  type: string;
  missing: boolean;
  content: Buffer;
}

/** One `<sha> <type> <size>\n<content>\n` or `<name> missing\n` record, if complete. */
function parseAnswer(buffer: Buffer): { answer: Answer; consumed: number } | null {
  const newline = buffer.indexOf(10);
  if (newline < 0) return null;
  const header = buffer.subarray(0, newline).toString('utf8');
  if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
    return { answer: { sha: '', type: '', missing: true, content: Buffer.alloc(0) }, consumed: newline + 1 };
  }
  const [sha = '', type = '', sizeText = '0'] = header.split(' ');
  const size = Number(sizeText);
  if (buffer.length < newline + 1 + size + 1) return null;
  const content = buffer.subarray(newline + 1, newline + 1 + size);
  return { answer: { sha, type, missing: false, content }, consumed: newline + 1 + size + 1 };
}
