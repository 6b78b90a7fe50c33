/**
 * Reads `.gantry.yml` from a repository at the triggered commit. A local path
 * is read in place; a URL is mirrored once into `<cacheDir>/<hash>.git` and
 * fetched on later triggers. Every git call has a timeout.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type CommitFile, readCommitFile } from './cat-file.js';

const run = promisify(execFile);
export const pipelineFileName = '.gantry.yml';

export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    readonly code: 'REPOSITORY_UNREADABLE' | 'REF_NOT_FOUND' | 'PIPELINE_FILE_MISSING',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface PipelineSource {
  /** Resolves `sha` (when given) or `ref` to a commit and returns the pipeline file there. */
  readPipelineFile(repo: string, ref: string, sha: string | null): Promise<{ sha: string; text: string }>;
}

export function createGitSource(options: { cacheDir: string; timeoutMs?: number }): PipelineSource {
  const timeout = options.timeoutMs ?? 120_000;
  const locks = new Map<string, Promise<unknown>>();

  const git = async (gitDir: string, args: string[]) => {
    const { stdout } = await run('git', ['--git-dir', gitDir, ...args], {
      timeout,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    return stdout;
  };

  /** One mirror per URL; concurrent triggers of the same URL wait for each other. */
  const mirror = async (url: string, wanted: string): Promise<string> => {
    const dir = join(options.cacheDir, `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.git`);
    const previous = locks.get(dir) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(async () => {
        if (!(await exists(dir))) {
          await mkdir(options.cacheDir, { recursive: true });
          await run('git', ['clone', '--bare', '--quiet', '--', url, dir], { timeout });
        } else if (!(await resolves(git, dir, wanted))) {
          await git(dir, [
            'fetch',
            '--quiet',
            '--prune',
            'origin',
            '+refs/heads/*:refs/heads/*',
            '+refs/tags/*:refs/tags/*',
          ]);
        }
        return dir;
      });
    locks.set(dir, next);
    return next;
  };

  return {
    async readPipelineFile(repo, ref, sha) {
      const wanted = sha ?? ref;
      if (wanted.startsWith('-')) throw new SourceError('REF_NOT_FOUND', `ref "${wanted}" is not a valid git ref`);
      let file: CommitFile;
      try {
        const where = isUrl(repo) ? ['--git-dir', await mirror(repo, wanted)] : ['-C', repo];
        file = await readCommitFile(where, wanted, pipelineFileName, timeout);
      } catch (error) {
        throw new SourceError('REPOSITORY_UNREADABLE', `cannot read repository "${repo}": ${gitMessage(error)}`, {
          cause: error,
        });
      }
      if (file.found === 'nothing') {
        throw new SourceError(
          'REF_NOT_FOUND',
          `${sha ? 'commit' : 'ref'} "${wanted}" not found in repository "${repo}"`,
        );
      }
      if (file.found === 'commit-only') {
        throw new SourceError(
          'PIPELINE_FILE_MISSING',
          `${pipelineFileName} not found at the repository root of "${repo}" at commit ${file.sha.slice(0, 12)}`,
        );
      }
      return { sha: file.sha, text: file.text };
    },
  };
}

function isUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^:\s]+:/.test(repo);
}

async function resolves(
  git: (gitDir: string, args: string[]) => Promise<string>,
  gitDir: string,
  wanted: string,
): Promise<string | null> {
  try {
    return (await git(gitDir, ['rev-parse', '--verify', '--quiet', `${wanted}^{commit}`])).trim() || null;
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function gitMessage(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  const lastLine = stderr?.split('\n').at(-1);
  return lastLine || (error as Error).message;
}
