/**
 * What `gantry trigger` assumes inside a working clone: the repository is its
 * `origin` remote and the ref its current branch.
 */
import { execFile } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function git(cwd: string, ...args: string[]): Promise<string | null> {
  try {
    const { stdout } = await run('git', ['-C', cwd, ...args], {
      timeout: 10_000,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
    });
    const text = stdout.trim();
    return text === '' ? null : text;
  } catch {
    return null;
  }
}

/** `origin`'s URL (a relative path made absolute against the clone), or null outside a clone or without origin. */
export async function originOf(cwd: string): Promise<string | null> {
  const url = await git(cwd, 'remote', 'get-url', 'origin');
  if (url === null) return null;
  const looksLikeUrl = /^[a-z][a-z\d+.-]*:\/\//i.test(url) || /^[\w.-]+@[\w.-]+:/.test(url);
  if (looksLikeUrl || isAbsolute(url)) return url;
  const top = (await git(cwd, 'rev-parse', '--show-toplevel')) ?? cwd;
  return resolve(top, url);
}

/** The checked-out branch, or null (detached HEAD, not a clone). */
export function currentBranchOf(cwd: string): Promise<string | null> {
  return git(cwd, 'symbolic-ref', '--short', '--quiet', 'HEAD');
}
