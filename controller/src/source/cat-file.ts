/**
 * Reads one file at a commit with a single `git cat-file --batch` process
 * (instead of one process per question): first `<wanted>^{commit}`, then
 * `<sha>:<path>`, both over stdin. `wanted` is a commit id the caller checked.
 */
import { spawn } from 'node:child_process';
import { GitProcessError, gitEnvironment, gitReason } from './git-command.js';

export type CommitFile =
  | { found: 'file'; sha: string; text: string; people: CommitPeople }
  | { found: 'too-large'; sha: string; bytes: number }
  | { found: 'commit-only'; sha: string }
  | { found: 'nothing' };

/** `gitArgs` select the repository: `['-C', path]` or `['--git-dir', dir]`. */
export function readCommitFile(
  gitArgs: string[],
  wanted: string,
  path: string,
  timeoutMs: number,
  /** A bigger file is answered `too-large` without being read into memory. */
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<CommitFile> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...gitArgs, 'cat-file', '--batch'], {
      env: gitEnvironment(),
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let buffered = Buffer.alloc(0);
    let stderr = '';
    const answers: Answer[] = [];
    let settled = false;
    const settle = (outcome: CommitFile | Error) => {
      if (settled) return;
      settled = true;
      child.stdin.end();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };

    const onAnswer = (answer: Answer) => {
      answers.push(answer);
      const [commit, file] = answers;
      if (answers.length === 1) {
        if (!commit || commit.missing) return settle({ found: 'nothing' });
        child.stdin.write(`${commit.sha}:${path}\n`);
        return;
      }
      if (!commit || commit.missing) return settle({ found: 'nothing' });
      if (!file || file.missing || file.type !== 'blob') return settle({ found: 'commit-only', sha: commit.sha });
      const people = commitPeople(commit.content);
      settle({ found: 'file', sha: commit.sha, text: file.content.toString('utf8'), people });
    };

    child.stdout.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const commit = answers[0];
      const declared = answers.length === 1 && commit ? declaredBlobBytes(buffered) : undefined;
      if (commit && declared !== undefined && declared > maxBytes) {
        child.kill();
        return settle({ found: 'too-large', sha: commit.sha, bytes: declared });
      }
      for (;;) {
        const parsed = parseAnswer(buffered);
        if (!parsed) break;
        buffered = buffered.subarray(parsed.consumed);
        onAnswer(parsed.answer);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => settle(new GitProcessError(`cannot run git: ${error.message}`, { cause: error })));
    child.on('close', (code) => {
      settle(new GitProcessError(gitReason(stderr) || `git cat-file exited with ${code ?? 'a signal'}`));
    });
    child.stdin.on('error', () => {
      // git exited early (not a repository); 'close' reports why.
    });
    child.stdin.write(`${wanted}^{commit}\n`);
  });
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

/** The size a blob answer's header announces, once the header is complete. */
function declaredBlobBytes(buffer: Buffer): number | undefined {
  const newline = buffer.indexOf(10);
  if (newline < 0) return undefined;
  const [, type, sizeText] = buffer.subarray(0, newline).toString('utf8').split(' ');
  return type === 'blob' ? Number(sizeText) : undefined;
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
