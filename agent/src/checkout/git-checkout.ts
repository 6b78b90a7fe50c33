/**
 * Puts a commit into a fresh workspace, without git on the hot path.
 *
 * Each repository is cloned once into a bare cache
 * `<workDir>/repos/<repoKey>.git` (repoKey = sha256(url)[:16]) and fetched
 * only when the wanted commit is missing. The first job of a commit builds a
 * snapshot `<workDir>/snapshots/<repoKey>/<sha>/`: a `git clone --shared` of
 * the cache with the commit checked out (a real repository whose objects stay
 * in the cache, through alternates). Every job of that commit then gets its
 * workspace as an in-process copy of the snapshot: a private, writable git
 * checkout of the exact commit, made without starting a process.
 *
 * A snapshot is built in a temporary directory and renamed into place, so a
 * half-built one is never used; building is serialized per (repository, sha),
 * cache access per repository (within this process: one agent per work dir).
 *
 * Jobs run as the agent's Unix user, so nothing under the work dir is out of
 * their reach: a job can rewrite, chmod, link or replace files of a snapshot
 * (`$GANTRY_WORKSPACE/../../snapshots/…`) or of a spare copy. So nothing is
 * handed out on trust: a snapshot's (and each spare's) TreeManifest is taken
 * when the agent finishes writing it and kept in this process's memory only,
 * and every copy is checked against it (one lstat per entry, see
 * tree-manifest.ts) after the copy is made — a change before or during the
 * copy is caught, and the job then gets a snapshot built afresh by git. A
 * previous process's snapshots cannot be vouched for (their manifests died
 * with it): they are removed at the first checkout of their repository. The
 * bare cache is reachable too, and git does not re-hash what it checks out:
 * a snapshot is built only after every object of its commit was re-hashed
 * (verify-commit-objects.ts); a cache that fails is cloned again.
 * Copies never share writable data with their source: files are copied (or
 * reflinked, which is copy-on-write), never hard-linked; symbolic links are
 * reproduced as links, never followed.
 * At most `maxSnapshotsPerRepo` snapshots are kept per repository; the least
 * recently used one that no job is copying is removed when a new one is made.
 *
 * Copying costs one file creation per entry, which some file systems make
 * slow (~0.5 ms each under /tmp on the benchmark VM). So when a job is done
 * with its workspace, prepareSpare() makes spare copies of its snapshot in the
 * background (`.spare-*` beside it, up to `spareCopies`), and the next jobs of
 * that commit get their workspaces by renaming a spare into place: the copy
 * is off the dispatch path, and out of the way of the jobs that run meanwhile.
 * A workspace that came from a spare and that its job left exactly as it was
 * handed out (its manifest still verifies) needs no copy at all: release()
 * renames it back into a spare, saving both the copy and the removal.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { chownTree } from '../executor/run-as.js';
import { CheckoutError } from './checkout-error.js';
import { copyTree, removeTree } from './copy-tree.js';
import { KeyedLock } from './keyed-lock.js';
import { pruneGitDir } from './prune-git-dir.js';
import { exists, RepositoryCache, repoKey } from './repository-cache.js';
import { GitCommandError } from './run-git.js';
import {
  recordSettledTreeManifest,
  recordTreeManifest,
  type TreeManifest,
  verifyTreeManifest,
} from './tree-manifest.js';

export { CheckoutError };

export interface CheckoutRequest {
  /** A git URL or a local path readable by the agent. */
  repoUrl: string;
  /** Full commit sha to check out (detached). */
  sha: string;
  /** Directory to create; removed first if it exists. */
  workspace: string;
  /** The job's stop signal (cancel, timeout): a clone or fetch under way is killed at once. */
  signal?: AbortSignal;
}

export interface GitCheckoutOptions {
  /** Holds the `repos/` cache and the `snapshots/`. */
  workDir: string;
  /** Environment git runs with (PATH, HOME, SSH agent…). */
  env: Record<string, string>;
  /** Bound of each git command (clone and fetch included); default 10 minutes. */
  gitTimeoutMs?: number;
  /** Observes every git command (tests count clones; main logs at debug). */
  onGitCommand?: (args: string[]) => void;
  /** Snapshots kept per repository. Default 8. */
  maxSnapshotsPerRepo?: number;
  /**
   * Copies of recently used snapshots kept ready for the next jobs of their
   * commits, made one after another in the background; at most this many per
   * repository, the most recently used commits' first. Default 1; 0 = none.
   * The agent keeps one per slot, so that a stage that fans out over all its
   * slots finds every workspace ready.
   */
  spareCopies?: number;
  /** A snapshot or spare copy no longer matched its manifest (it is rebuilt); main logs a warning. */
  onTampered?: (path: string, problem: string) => void;
  /**
   * --run-as: workspaces are handed out owned by this user, and standalone,
   * since that user cannot read the repository cache their objects would
   * otherwise be borrowed from. A snapshot is made standalone once, when it
   * is built (every object its commit needs copied into a pack of its own, as
   * `git clone --dissociate` would); spares are given to the user as they are
   * made, in the background; a workspace copied at checkout is given then.
   */
  owner?: { uid: number; gid: number };
}

const done = Promise.resolve();

/** Checkouts given up after this many snapshots changed under them in a row. */
const maxCheckoutRounds = 3;

/** The snapshots of one repository known to this process. */
interface RepoSnapshots {
  /** sha → snapshot; Map order = least recently used first. */
  bySha: Map<string, Snapshot>;
}

interface Snapshot {
  path: string;
  /** The snapshot as built; every copy is verified against it. */
  manifest: TreeManifest;
  /** Jobs (and spare copies) copying it right now: never removed while > 0. */
  pins: number;
  /** Complete copies, each ready to be renamed into a workspace (and verified then). */
  spares: Spare[];
  /** The spare copy being made, if any. */
  refilling: Promise<void> | undefined;
  /** A checkout is waiting for that copy. */
  awaited: boolean;
  /** Removed (least recently used): make no more spares. */
  evicted: boolean;
}

interface Spare {
  path: string;
  manifest: TreeManifest;
}

/** A workspace handed out from a spare: it may become one again (release()). */
interface GivenSpare {
  repo: RepoSnapshots;
  snapshot: Snapshot;
  manifest: TreeManifest;
}

export class GitCheckout {
  readonly #options: GitCheckoutOptions;
  readonly #maxSnapshots: number;
  readonly #spareCopies: number;
  readonly #locks = new KeyedLock();
  readonly #cache: RepositoryCache;
  readonly #repos = new Map<string, Promise<RepoSnapshots>>();
  /** Spare copies and removals under way. */
  readonly #background = new Set<Promise<void>>();
  /** Workspace path → the spare it was made from, until release() or forget(). */
  readonly #givenSpares = new Map<string, GivenSpare>();

  constructor(options: GitCheckoutOptions) {
    this.#options = options;
    this.#cache = new RepositoryCache(options);
    this.#maxSnapshots = Math.max(1, options.maxSnapshotsPerRepo ?? 8);
    this.#spareCopies = Math.max(0, options.spareCopies ?? 1);
  }

  /** Resolves when no spare copy or removal is under way. */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.all(this.#background);
  }

  /** The bare cache directory for a repository URL. */
  cachePath(repoUrl: string): string {
    return this.#cache.pathOf(repoUrl);
  }

  /** The snapshot directory of a commit (it exists only once built). */
  snapshotPath(repoUrl: string, sha: string): string {
    return join(this.#options.workDir, 'snapshots', repoKey(repoUrl), sha.toLowerCase());
  }

  /**
   * Makes `workspace` a working tree of `sha`. Safe to call concurrently for the
   * same repository. Throws CheckoutError with git's last stderr line.
   */
  async checkout(request: CheckoutRequest): Promise<void> {
    const { repoUrl, workspace, signal } = request;
    if (!/^[0-9a-f]{7,64}$/i.test(request.sha))
      throw new CheckoutError(`checkout failed: "${request.sha}" is not a commit sha`);
    const sha = request.sha.toLowerCase();
    try {
      const repo = await this.#repoSnapshots(repoUrl);
      for (let round = 1; ; round++) {
        const snapshot = await this.#pinSnapshot(repoUrl, sha, repo, signal);
        let problem: string | undefined;
        try {
          problem = await this.#copySnapshot(repo, snapshot, workspace);
        } catch (error) {
          // Removed behind our back (by hand, or by a job): build it again.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || (await exists(snapshot.path))) throw error;
          problem = 'removed';
        } finally {
          snapshot.pins--;
        }
        if (problem === undefined) break;
        this.#options.onTampered?.(snapshot.path, problem);
        await removeTree(workspace);
        await this.#discard(repo, sha, snapshot);
        if (round >= maxCheckoutRounds)
          throw new CheckoutError(`checkout failed: the snapshot of ${sha} keeps changing (${problem})`);
      }
      await this.#evict(repo);
    } catch (error) {
      if (error instanceof CheckoutError) throw error;
      const reason = error instanceof GitCommandError ? error.message : String(error);
      throw new CheckoutError(`checkout failed: ${reason}`, { cause: error });
    }
  }

  /**
   * Fills `workspace` from a verified spare or a copy of the snapshot. Returns
   * undefined when the workspace is exactly the snapshot as built, else how
   * the snapshot differs (then the workspace holds no trustworthy tree).
   */
  async #copySnapshot(repo: RepoSnapshots, snapshot: Snapshot, workspace: string): Promise<string | undefined> {
    this.#givenSpares.delete(workspace);
    await removeTree(workspace);
    // A spare on its way is nearer done than a copy started now (unless another job waits for it).
    if (snapshot.spares.length === 0 && snapshot.refilling && !snapshot.awaited) {
      snapshot.awaited = true;
      await snapshot.refilling;
      snapshot.awaited = false;
    }
    for (let spare = snapshot.spares.pop(); spare; spare = snapshot.spares.pop()) {
      if (!renameInto(spare.path, workspace)) continue;
      const problem = verifyTreeManifest(workspace, spare.manifest);
      if (problem === undefined) {
        this.#givenSpares.set(workspace, { repo, snapshot, manifest: spare.manifest });
        return undefined;
      }
      this.#options.onTampered?.(spare.path, problem);
      await removeTree(workspace);
    }
    await copyTree(snapshot.path, workspace);
    // Checked after the copy: whatever changed the snapshot before or while it was copied shows now.
    const problem = verifyTreeManifest(snapshot.path, snapshot.manifest, { contentRoot: workspace });
    if (problem === undefined && this.#options.owner) await chownTree(workspace, this.#options.owner);
    return problem;
  }

  /**
   * Forgets a snapshot that failed verification and removes it, once: a job
   * still copying it then fails its own verification and builds anew.
   */
  async #discard(repo: RepoSnapshots, sha: string, snapshot: Snapshot): Promise<void> {
    if (repo.bySha.get(sha) === snapshot) repo.bySha.delete(sha);
    if (snapshot.evicted) return;
    snapshot.evicted = true;
    await this.#remove(sha, snapshot);
  }

  /** This repository's snapshots; the first call per repository reads what a previous run left on disk. */
  #repoSnapshots(repoUrl: string): Promise<RepoSnapshots> {
    const key = repoKey(repoUrl);
    let repo = this.#repos.get(key);
    if (!repo) {
      repo = loadSnapshots(join(this.#options.workDir, 'snapshots', key));
      this.#repos.set(key, repo);
      repo.catch(() => this.#repos.delete(key));
    }
    return repo;
  }

  /** The snapshot of `sha`, built first if need be, marked most recently used and pinned (unpin when copied). */
  async #pinSnapshot(repoUrl: string, sha: string, repo: RepoSnapshots, signal?: AbortSignal): Promise<Snapshot> {
    const known = repo.bySha.get(sha);
    if (known) return pin(repo, sha, known);
    const path = this.snapshotPath(repoUrl, sha);
    // Concurrent jobs of a new commit wait for the same build.
    return this.#locks.run(`snapshot:${path}`, async () => {
      const built = repo.bySha.get(sha);
      if (built) return pin(repo, sha, built);
      const cache = await this.#locks.run(repoUrl, () => this.#cache.ensureIntactCommit(repoUrl, sha, signal));
      const partial = join(path, '..', `.partial-${sha}-${randomBytes(4).toString('hex')}`);
      try {
        await mkdir(join(path, '..'), { recursive: true });
        await this.#cache.git(['clone', '--shared', '--no-checkout', '-q', cache, partial], signal);
        await this.#cache.git(['-C', partial, 'checkout', '--detach', '-q', sha], signal);
        if (this.#options.owner) {
          // Costs in proportion to the history: once per snapshot, not per attempt.
          await this.#cache.git(['-C', partial, 'repack', '-a', '-d', '-q'], signal);
          await rm(join(partial, '.git', 'objects', 'info', 'alternates'), { force: true });
        }
        await pruneGitDir(join(partial, '.git'));
        const manifest = recordTreeManifest(partial);
        await removeTree(path);
        await rename(partial, path);
        return pin(repo, sha, newSnapshot(path, manifest));
      } finally {
        await rm(partial, { recursive: true, force: true });
      }
    });
  }

  /**
   * The job is done with `workspace` (of `sha`, checked out by this object).
   * If it came from a spare and is still exactly that tree, it becomes a
   * spare again: renamed away, so nothing is left at `workspace`. Otherwise a
   * spare copy is made in the background (prepareSpare()) and the workspace
   * stays for the caller to remove. One lstat per entry, like a checkout's
   * verification; a job that changed anything only loses the shortcut.
   * Returns true when the workspace became a spare (nothing is left at it).
   */
  release(repoUrl: string, sha: string, workspace: string): boolean {
    const given = this.#givenSpares.get(workspace);
    this.#givenSpares.delete(workspace);
    if (given && this.#respare(given, workspace)) return true;
    this.prepareSpare(repoUrl, sha);
    return false;
  }

  /** Forgets what checkout() knew of `workspace` (its job ended without release()). */
  forget(workspace: string): void {
    this.#givenSpares.delete(workspace);
  }

  /** Renames a workspace back into a spare of its snapshot; false when it changed or is not wanted. */
  #respare({ repo, snapshot, manifest }: GivenSpare, workspace: string): boolean {
    if (snapshot.evicted || snapshot.spares.length >= this.#spareCopies) return false;
    if (verifyTreeManifest(workspace, manifest) !== undefined) return false;
    if (!this.#roomForSpare(repo, snapshot)) return false;
    const spare = sparePath(snapshot);
    try {
      renameSync(workspace, spare);
    } catch {
      return false;
    }
    // Verified again when a checkout renames it into place, like every spare.
    snapshot.spares.push({ path: spare, manifest });
    return true;
  }

  /**
   * Makes a spare copy of the snapshot of `sha` in the background (unless it
   * has enough), for the next job of that commit. Call it when a job is done
   * with its workspace: the copy competes with nothing urgent then.
   */
  prepareSpare(repoUrl: string, sha: string): void {
    const repo = this.#repos.get(repoKey(repoUrl));
    if (!repo || this.#spareCopies === 0) return;
    this.#inBackground(repo.then((known) => this.#makeSpare(known, sha.toLowerCase())).catch(() => {}));
  }

  #makeSpare(repo: RepoSnapshots, sha: string): Promise<void> | undefined {
    const snapshot = repo.bySha.get(sha);
    if (!snapshot || snapshot.evicted || snapshot.refilling || snapshot.spares.length >= this.#spareCopies) return;
    if (!this.#roomForSpare(repo, snapshot)) return;
    snapshot.pins++;
    const spare = sparePath(snapshot);
    snapshot.refilling = copyTree(snapshot.path, spare, { background: true })
      .then(
        async () => {
          const problem = verifyTreeManifest(snapshot.path, snapshot.manifest, { contentRoot: spare });
          if (problem === undefined && this.#options.owner) await chownTree(spare, this.#options.owner);
          // Settled (nothing racy), so that every later verification of it reads one listing and no content.
          const manifest = problem === undefined ? await recordSettledTreeManifest(spare) : undefined;
          if (problem !== undefined) this.#options.onTampered?.(snapshot.path, problem);
          else if (!manifest) this.#options.onTampered?.(spare, 'changed while it was recorded');
          // Enough spares by now: a released workspace may have become one meanwhile.
          if (snapshot.evicted || !manifest || snapshot.spares.length >= this.#spareCopies) {
            await removeTree(spare, { background: true });
          } else snapshot.spares.push({ path: spare, manifest });
        },
        () => removeTree(spare, { background: true }),
      )
      .catch(() => {}) // a spare is an optimisation: checkouts copy when there is none
      .finally(() => {
        snapshot.pins--;
        snapshot.refilling = undefined;
        // One copy at a time, until there are enough (a failed copy stops the round).
        const made = snapshot.spares.at(-1)?.path === spare;
        if (made && snapshot.spares.length < this.#spareCopies) this.#inBackground(this.#makeSpare(repo, sha) ?? done);
      });
    return snapshot.refilling;
  }

  /**
   * Spares of a repository are `spareCopies` at most, all commits together:
   * to make one for `snapshot` beyond that, a spare of the least recently
   * used other commit is removed. False when there is none to give way.
   */
  #roomForSpare(repo: RepoSnapshots, snapshot: Snapshot): boolean {
    let total = 0;
    for (const known of repo.bySha.values()) total += known.spares.length;
    if (total < this.#spareCopies) return true;
    // Map order: least recently used first.
    for (const other of repo.bySha.values()) {
      const given = other === snapshot ? undefined : other.spares.pop();
      if (!given) continue;
      this.#inBackground(removeTree(given.path, { background: true }).catch(() => {}));
      return true;
    }
    return false;
  }

  #inBackground(task: Promise<void>): void {
    const tracked = task.finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  /** Removes least recently used snapshots beyond the bound, skipping those being copied. */
  async #evict(repo: RepoSnapshots): Promise<void> {
    let excess = repo.bySha.size - this.#maxSnapshots;
    for (const [sha, snapshot] of repo.bySha) {
      if (excess <= 0) break;
      if (snapshot.pins > 0) continue;
      repo.bySha.delete(sha);
      snapshot.evicted = true;
      excess--;
      await this.#remove(sha, snapshot);
    }
  }

  /** Removes an evicted snapshot and its spares from disk. */
  async #remove(sha: string, snapshot: Snapshot): Promise<void> {
    const spares = snapshot.spares.splice(0);
    this.#inBackground(
      Promise.all(spares.map((spare) => removeTree(spare.path, { background: true }).catch(() => {}))).then(() => {}),
    );
    // Renamed first: a snapshot is either complete under its name or gone.
    const trash = join(snapshot.path, '..', `.trash-${sha}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(snapshot.path, trash);
    } catch {
      return; // already gone
    }
    await removeTree(trash);
  }
}

/** A new name for a spare copy of `snapshot`, beside it. */
function sparePath(snapshot: Snapshot): string {
  return join(dirname(snapshot.path), `.spare-${basename(snapshot.path)}-${randomBytes(4).toString('hex')}`);
}

function newSnapshot(path: string, manifest: TreeManifest): Snapshot {
  return { path, manifest, pins: 0, spares: [], refilling: undefined, awaited: false, evicted: false };
}

/** Renames a spare copy into place as `workspace`; false when it is gone (removed by hand). */
function renameInto(spare: string, workspace: string): boolean {
  mkdirSync(dirname(workspace), { recursive: true });
  try {
    renameSync(spare, workspace);
    return true;
  } catch {
    return false;
  }
}

/** Marks a snapshot as the most recently used and in use. */
function pin(repo: RepoSnapshots, sha: string, snapshot: Snapshot): Snapshot {
  repo.bySha.delete(sha);
  repo.bySha.set(sha, snapshot);
  snapshot.pins++;
  return snapshot;
}

/**
 * Starts the snapshots of a repository afresh: whatever a previous run of the
 * agent left (snapshots, spares, half-built ones) is removed, since no
 * manifest vouches for it any more.
 */
async function loadSnapshots(dir: string): Promise<RepoSnapshots> {
  await removeTree(dir, { background: true });
  return { bySha: new Map() };
}
