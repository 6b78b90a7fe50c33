/**
 * Where runs get their commit and their `.gantry.yml`. A local path is read in
 * place; a URL through a bare mirror (mirror.ts) that is fetched on every
 * trigger. Every git call has a timeout; only validated refs and hex ids
 * reach git, and a URL only after `--`.
 */
import { type CommitPeople, readCommitFile } from './cat-file.js';
import { changedPathsIn } from './changed-paths.js';
import { type CommitSummary, commitsBetweenIn } from './commits-between.js';
import { GitProcessError } from './git-command.js';
import { createMirrors } from './mirror.js';
import { qualifyRefIn } from './qualify-ref.js';
import { type ReadableRepository, unreadable } from './readable-repository.js';
import { assertRefName } from './ref-name.js';
import { assertRepositoryAllowed, type RepositoryAllowList } from './repository-allow-list.js';
import { type ResolvedRef, resolveRefIn } from './resolve-commit.js';
import { displayRepo, SourceError } from './source-error.js';

export type { ResolvedRef } from './resolve-commit.js';
export { SourceError } from './source-error.js';
export const pipelineFileName = '.gantry.yml';

/** The pipeline file at a commit, with who wrote and committed the commit. */
export interface PipelineFile extends CommitPeople {
  text: string;
}

export interface PipelineSource {
  /**
   * Called by the trigger handler before a run exists. Brings a URL's mirror
   * up to date (sharing a fetch with concurrent triggers), qualifies `ref`
   * (a short name is a branch or a tag; one that is both is refused), then
   * returns `ref` in full (`refs/heads/main`, `refs/tags/v1`; null when it is
   * neither, e.g. an abbreviated commit id) and the full id of `sha` if given,
   * else of the qualified ref's head: never of another ref of the same name.
   * Throws SourceError: REPOSITORY_NOT_ALLOWED, INVALID_REF (also for a name
   * that is both a branch and a tag), REPOSITORY_UNREADABLE, REF_NOT_FOUND,
   * COMMIT_NOT_FOUND, or SHA_NOT_ON_REF when `sha` is not reachable from `ref`.
   */
  resolveRef(repo: string, ref: string, sha: string | null): Promise<ResolvedRef>;
  /** `resolveRef`'s commit alone (planning of a run an older controller accepted). */
  resolveCommit(repo: string, ref: string, sha: string | null): Promise<string>;
  /**
   * No fetch: `ref` in full as `resolveRef` qualifies it (INVALID_REF when it
   * is both a branch and a tag), or null when it is neither.
   */
  qualifyRef(repo: string, ref: string): Promise<string | null>;
  /**
   * Called by the trigger handler after `resolveRef` (no fetch): the files
   * `before` and `after` (hex commit ids) differ in; null when `before` is
   * unknown here or too much changed.
   */
  changedPaths(repo: string, before: string, after: string): Promise<string[] | null>;
  /**
   * Called by planning with the run's recorded full sha; never looks at refs.
   * Fetches a URL's mirror only if it lacks the commit (another controller
   * may have resolved it). Throws SourceError (COMMIT_NOT_FOUND,
   * PIPELINE_FILE_MISSING, REPOSITORY_UNREADABLE).
   */
  readPipelineFile(repo: string, sha: string): Promise<PipelineFile>;
  /**
   * Called by the API to say what a release would change (no fetch: both
   * shas belong to runs, so the mirror has them): the commits `to` has and
   * `from` lacks, newest first, at most `limit`; null when either is unknown.
   */
  commitsBetween?(
    repo: string,
    from: string,
    to: string,
    limit: number,
  ): Promise<{ commits: CommitSummary[]; truncated: boolean } | null>;
}

export interface GitSourceOptions {
  /** Holds the mirrors of URL repositories. */
  cacheDir: string;
  /** Which repositories may be read at all (GANTRY_REPO_ALLOW); checked before anything touches git. */
  allow: RepositoryAllowList;
  /** Bound of each git call (clone and fetch included). Default 120 s. */
  timeoutMs?: number;
  /** A larger pipeline file fails the run without being read (GANTRY_MAX_PIPELINE_BYTES). */
  maxPipelineBytes?: number;
  /** Observes every clone or fetch of a mirror as it starts. */
  onFetch?: (url: string) => void;
}

const hexCommit = /^[0-9a-f]{4,64}$/i;
/** A full SHA-1 or SHA-256 id: what it names can never change. */
const fullCommit = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
/** Pipeline files read lately are kept by repository and full commit id: a commit planned again reads nothing. */
const readFilesMax = 256;

export function createGitSource(options: GitSourceOptions): PipelineSource {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxPipelineBytes = options.maxPipelineBytes ?? Number.POSITIVE_INFINITY;
  const mirrors = createMirrors({ cacheDir: options.cacheDir, timeoutMs, onFetch: options.onFetch });
  const readFiles = new Map<string, PipelineFile>();

  const local = (repo: string): ReadableRepository => ({
    gitArgs: ['-C', repo],
    display: `repository "${displayRepo(repo)}"`,
  });
  const mirrored = (repo: string): ReadableRepository => ({
    gitArgs: ['--git-dir', mirrors.directoryOf(repo)],
    display: `repository "${displayRepo(repo)}"`,
  });

  /**
   * Runs `task`, turning any other failure into REPOSITORY_UNREADABLE: git's
   * own words when git failed, else only the error code (a file-system error
   * would name the controller's directories).
   */
  const reading = async <T>(repository: ReadableRepository, task: () => Promise<T>): Promise<T> => {
    try {
      return await task();
    } catch (error) {
      if (error instanceof SourceError) throw error;
      if (error instanceof GitProcessError) throw unreadable(repository, error.message, error);
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
      throw unreadable(repository, `the controller could not update its copy (${code})`, error);
    }
  };

  const resolveRef = async (repo: string, ref: string, sha: string | null): Promise<ResolvedRef> => {
    assertRepositoryAllowed(repo, options.allow);
    assertRefName(ref);
    if (sha !== null && !hexCommit.test(sha)) {
      throw new SourceError('COMMIT_NOT_FOUND', `"${sha}" is not a hex commit id`);
    }
    const repository = isUrl(repo) ? mirrored(repo) : local(repo);
    return reading(repository, async () => {
      if (isUrl(repo)) await mirrors.refresh(repo);
      return resolveRefIn(repository, ref, sha, timeoutMs);
    });
  };

  return {
    resolveRef,

    async resolveCommit(repo, ref, sha) {
      return (await resolveRef(repo, ref, sha)).sha;
    },

    async qualifyRef(repo, ref) {
      assertRefName(ref);
      const repository = isUrl(repo) ? mirrored(repo) : local(repo);
      const qualified = await reading(repository, () => qualifyRefIn(repository, ref, timeoutMs));
      return qualified.kind === 'ref' ? qualified.fullRef : null;
    },

    async changedPaths(repo, before, after) {
      if (!hexCommit.test(before) || !hexCommit.test(after)) return null;
      const repository = isUrl(repo) ? mirrored(repo) : local(repo);
      return reading(repository, () => changedPathsIn(repository, before, after, timeoutMs));
    },

    async commitsBetween(repo, from, to, limit) {
      if (!hexCommit.test(from) || !hexCommit.test(to)) return null;
      const repository = isUrl(repo) ? mirrored(repo) : local(repo);
      return reading(repository, () => commitsBetweenIn(repository, from, to, limit, timeoutMs));
    },

    async readPipelineFile(repo, sha) {
      assertRepositoryAllowed(repo, options.allow);
      if (!hexCommit.test(sha)) throw new SourceError('COMMIT_NOT_FOUND', `"${sha}" is not a hex commit id`);
      const cacheKey = fullCommit.test(sha) ? `${repo}\0${sha.toLowerCase()}` : null;
      const cached = cacheKey === null ? undefined : readFiles.get(cacheKey);
      if (cached) return cached;
      const repository = isUrl(repo) ? mirrored(repo) : local(repo);
      const file = await reading(repository, async () => {
        if (isUrl(repo) && !(await mirrors.exists(repo))) await mirrors.refresh(repo);
        const read = () => readCommitFile(repository.gitArgs, sha, pipelineFileName, timeoutMs, maxPipelineBytes);
        const found = await read();
        if (found.found !== 'nothing' || !isUrl(repo)) return found;
        await mirrors.refresh(repo);
        return read();
      });
      if (file.found === 'nothing') {
        throw new SourceError('COMMIT_NOT_FOUND', `commit ${sha} not found in ${repository.display}`);
      }
      if (file.found === 'commit-only') {
        throw new SourceError(
          'PIPELINE_FILE_MISSING',
          `${pipelineFileName} not found at the root of ${repository.display} at commit ${file.sha.slice(0, 12)}`,
        );
      }
      if (file.found === 'too-large') {
        throw new SourceError(
          'PIPELINE_FILE_TOO_LARGE',
          `${pipelineFileName}: the file is ${file.bytes} bytes at commit ${file.sha.slice(0, 12)}, over the limit of ${maxPipelineBytes} bytes (GANTRY_MAX_PIPELINE_BYTES)`,
        );
      }
      const read = { text: file.text, ...file.people };
      if (cacheKey !== null) {
        // The oldest goes first: Map keeps insertion order.
        if (readFiles.size >= readFilesMax) readFiles.delete(readFiles.keys().next().value ?? '');
        readFiles.set(cacheKey, read);
      }
      return read;
    },
  };
}

/** `scheme://…` or scp-like `user@host:path`; anything else is a path on the controller host. */
export function isUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^:\s]+:/.test(repo);
}
