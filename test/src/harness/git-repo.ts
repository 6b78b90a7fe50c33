/**
 * Real git repositories in temp dirs, for pipelines the farm should build.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface GitRepo {
  /** Absolute path of the working tree. */
  readonly path: string;
  /** HEAD after the latest commit. */
  readonly sha: string;
  readonly branch: string;
  /** Writes (string) or deletes (null) files, commits everything, returns the new HEAD. */
  commit(files: Record<string, string | null>, message: string): Promise<string>;
  /** Deletes the repository. */
  remove(): Promise<void>;
}

export interface GitRepoOptions {
  /** Default `main`. */
  branch?: string;
  /** Message of the first commit. */
  message?: string;
}

/** Creates a repository whose first commit holds `files` (paths relative to the root; `*.sh` become executable). */
export async function createGitRepo(files: Record<string, string>, options: GitRepoOptions = {}): Promise<GitRepo> {
  const branch = options.branch ?? 'main';
  const path = await mkdtemp(join(tmpdir(), 'gantry-repo-'));
  const git = async (...args: string[]): Promise<string> => {
    const { stdout } = await execFileAsync('git', args, {
      cwd: path,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    return stdout.trim();
  };
  await git('init', '--quiet', '--initial-branch', branch);
  await git('config', 'user.name', 'Gantry Test');
  await git('config', 'user.email', 'test@gantry.invalid');
  await git('config', 'commit.gpgsign', 'false');

  let sha = '';
  const commit = async (changes: Record<string, string | null>, message: string): Promise<string> => {
    for (const [file, content] of Object.entries(changes)) {
      const target = join(path, file);
      if (content === null) {
        await rm(target, { force: true });
        continue;
      }
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
      if (file.endsWith('.sh')) await chmod(target, 0o755);
    }
    await git('add', '--all');
    await git('commit', '--quiet', '--allow-empty', '--message', message);
    sha = await git('rev-parse', 'HEAD');
    return sha;
  };
  await commit(files, options.message ?? 'initial commit');

  return {
    path,
    branch,
    get sha() {
      return sha;
    },
    commit,
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
