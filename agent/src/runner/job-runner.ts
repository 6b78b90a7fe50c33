/**
 * Runs claimed attempts: checkout → needed artifacts → steps → artifacts →
 * finish → cleanup.
 * While an attempt runs its lease is heartbeated; cancel (heartbeat answer or
 * control message), the job timeout and a step's own timeout stop the step's
 * process group with SIGTERM then SIGKILL. A lost lease kills the group at once and nothing more
 * is reported for that attempt. Every log byte is acknowledged by the
 * controller before FinishJob is sent.
 *
 * An attempt the agent cannot carry out ends `failed` with the reason, in
 * its log and its FinishJob message, never by going silent (which the
 * controller would take for a lost agent and retry): an error before the
 * steps start (checkout, workspace, shell), or a call the controller refuses
 * as invalid or too large (a log chunk, a step report), which also stops the
 * running step.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FINISH_LOG_BYTES_MAX, FINISH_LOG_CHUNKS_MAX, type JobSpec__Output } from '@gantry/proto';
import type { Logger } from 'pino';
import { ArtifactError } from '../artifacts/artifact-error.js';
import { type CollectedFile, collectArtifacts } from '../artifacts/collect-artifacts.js';
import { downloadArtifacts } from '../artifacts/download-artifacts.js';
import { uploadArtifacts } from '../artifacts/upload-artifacts.js';
import { JobCaches } from '../caches/job-caches.js';
import { LocalCopies } from '../caches/local-copies.js';
import { removeTree } from '../checkout/copy-tree.js';
import type { GitCheckout } from '../checkout/git-checkout.js';
import {
  type ControllerClient,
  isRefusedCallError,
  isStaleLeaseError,
  isTransientCallError,
  type Lease,
} from '../controller-client.js';
import { JobShell, maxTimerMs, type StopReason } from '../executor/job-shell.js';
import { onOutputPipesUnavailable, useOutputPipeDirectory } from '../executor/output-pipes.js';
import { chownTree, type RunAsUser } from '../executor/run-as.js';
import { poolEnvironment, ShellPool } from '../executor/shell-pool.js';
import { LogStreamer } from '../logs/log-streamer.js';
import type { JobEnding } from '../metrics/agent-metrics.js';
import { type JobPlaces, jobEnvironment } from './job-environment.js';
import { LeaseKeeper } from './lease-keeper.js';
import { ScratchDirs } from './scratch-dirs.js';
import { StepReporter } from './step-reporter.js';

export type JobResult = 'succeeded' | 'failed' | 'timed_out' | 'canceled';

export interface JobRunnerOptions {
  controller: ControllerClient;
  checkout: GitCheckout;
  /** Workspaces go to `<workDir>/workspaces/<jobId>-<attempt>-<random>`: never shared by two attempts. */
  workDir: string;
  /** The agent's environment; steps get only its allow-listed part (see job-environment.ts). */
  baseEnv: Record<string, string>;
  /** --run-as: steps run as this user, who owns the attempt's workspace and TMPDIR. */
  runAs?: RunAsUser;
  killGraceMs: number;
  /** GANTRY_AGENT_LOG_HOLD_MS: how long the first log chunks may wait to travel with FinishJob; default 100. */
  logHoldMs?: number;
  /** GANTRY_ARTIFACT_MAX_BYTES: all the artifacts one attempt uploads; default 10 GiB. */
  artifactMaxBytes?: number;
  /** GANTRY_CACHE_MAX_BYTES: the largest cache archive saved; default 5 GiB. */
  cacheMaxBytes?: number;
  /** GANTRY_CACHE_LOCAL_MAX_BYTES: disk for local copies of cache archives; default 10 GiB. */
  cacheLocalMaxBytes?: number;
  heartbeatIntervalMs: number;
  leaseTtlMs: number;
  logger: Logger;
  /** Called once per attempt run() took, with how it ended. */
  onEnded?: (ending: JobEnding) => void;
  /** A heartbeat answer said this agent was asked to drain (see LeaseKeeper); may be called many times. */
  onDrainRequested?: () => void;
}

interface Outcome {
  result: JobResult;
  exitCode: number;
  message: string;
}

/** FinishJob's message is a short reason: a longer one is cut (the log holds the whole story). */
const maxMessageChars = 2000;

/** How long the last step's report may wait to travel with FinishJob. */
const lastStepReportHoldMs = 250;
/** How long the first step's start may wait to travel with later reports (or FinishJob, for a short job). */
const firstStepReportHoldMs = 100;
/** The least time between two ReportSteps calls of an attempt (a job of many short steps reports them in batches). */
const stepReportIntervalMs = 100;
/** How much of a job's first log may wait to travel with FinishJob (a short job's whole log). */
const finishLogHoldLimits = { maxChunks: FINISH_LOG_CHUNKS_MAX, maxBytes: FINISH_LOG_BYTES_MAX };

/** How long after an attempt was reported finished idle job shells start their next first step's process. */
const startAheadDelayMs = 50;

/** What a granted claim set for its attempt besides the job itself. */
export interface ClaimTerms {
  /** The controller's cap on the attempt's output (0 = none). */
  maxLogBytes?: number;
  /** Granted secrets: variables of the steps, masked in the log, never logged. */
  secrets?: Readonly<Record<string, string>>;
  /** The controller stores log chunks sent compressed. */
  gzipLogChunks?: boolean;
  /** The controller records step reports sent with FinishJob (ClaimJobResponse.accepts_finish_steps). */
  finishCarriesSteps?: boolean;
  /** The controller stores log chunks sent with FinishJob (ClaimJobResponse.accepts_finish_logs). */
  finishCarriesLogs?: boolean;
}

/** What cancel(), killAll() and the attempt's own lease keeper reach of a running attempt. */
class RunningAttempt {
  /** Aborted with the first reason the attempt is stopped for; a later stop does not change it. */
  readonly stop = new AbortController();
  /** The shell running the attempt's steps, once they start. */
  shell: JobShell | undefined;
  #killed = false;

  /** The attempt was killed (lost lease, agent stop): nothing more is reported for it. */
  get killed(): boolean {
    return this.#killed;
  }

  /**
   * Kills the attempt: its running step dies at once, even during the SIGTERM
   * grace of an earlier cancel or timeout (the abort signal fires only once),
   * and no step starts after it. Idempotent.
   */
  kill(): void {
    this.#killed = true;
    if (!this.stop.signal.aborted) this.stop.abort('killed' satisfies StopReason);
    else this.shell?.kill();
  }
}

export class JobRunner {
  readonly #options: JobRunnerOptions;
  /** Running attempts by `jobId:attempt`. */
  readonly #running = new Map<string, RunningAttempt>();
  /** Workspaces of finished attempts being removed. */
  readonly #cleanups = new Set<Promise<void>>();
  readonly #copies: LocalCopies;
  /** Job shells kept between attempts (no fork of the agent per attempt). */
  readonly #shells: ShellPool;
  /** The attempts' TMPDIRs (kept for the next attempt unless steps run as another user). */
  readonly #scratch: ScratchDirs;
  #killed = false;
  #aheadTimer: NodeJS.Timeout | undefined;

  constructor(options: JobRunnerOptions) {
    this.#options = options;
    const { runAs } = options;
    useOutputPipeDirectory(join(options.workDir, 'pipes'));
    onOutputPipesUnavailable((reason) =>
      options.logger.warn({ reason }, 'output pipes unavailable: steps cannot open /dev/stdout or /dev/stderr'),
    );
    this.#shells = new ShellPool({
      searchPath: options.baseEnv.PATH ?? '',
      // Every attempt inherits the agent's locale and time zone (jobEnvironment): the shells export them.
      environment: poolEnvironment(options.baseEnv),
      ...(runAs ? { user: { uid: runAs.uid, gid: runAs.gid } } : {}),
    });
    this.#copies = new LocalCopies(options.workDir, options.cacheLocalMaxBytes ?? 10 * 1024 ** 3);
    this.#scratch = new ScratchDirs({ root: join(options.workDir, 'tmp'), reuse: runAs === undefined });
  }

  get runningCount(): number {
    return this.#running.size;
  }

  /** Stops a running attempt with result "canceled". Returns false if it is not running here. */
  cancel(jobId: string, attempt: number): boolean {
    const running = this.#running.get(`${jobId}:${attempt}`);
    running?.stop.abort('canceled' satisfies StopReason);
    return running !== undefined;
  }

  /** Resolves once the workspaces of every finished attempt are removed (and checkout's background work is done). */
  async idle(): Promise<void> {
    while (this.#cleanups.size > 0) await Promise.all(this.#cleanups);
    await this.#options.checkout.idle();
  }

  /** Starts `count` job shells ahead of the first attempts, so that a stage's jobs start without a fork. */
  prewarmShells(count: number): void {
    this.#shells.prewarm(count);
  }

  /** Ends the idle job shells (agent stop); shells of attempts still running end with them. */
  closeShells(): void {
    clearTimeout(this.#aheadTimer);
    this.#shells.close();
  }

  /** Kills every running attempt at once without reporting (agent stop); their leases lapse. */
  killAll(): void {
    this.#killed = true;
    clearTimeout(this.#aheadTimer);
    this.#shells.close();
    for (const running of this.#running.values()) running.kill();
  }

  /**
   * Runs one claimed attempt to the end under the claim's `terms`; its
   * workspace is removed afterwards (see idle()), or kept as the next spare
   * of its commit when the job left it untouched. Never rejects.
   */
  async run(lease: Lease, job: JobSpec__Output, terms: ClaimTerms = {}): Promise<void> {
    const {
      maxLogBytes = 0,
      secrets = {},
      gzipLogChunks = false,
      finishCarriesSteps = false,
      finishCarriesLogs = false,
    } = terms;
    const { controller, logger, workDir } = this.#options;
    const key = `${lease.jobId}:${lease.attempt}`;
    const log = logger.child({ jobId: lease.jobId, attempt: lease.attempt, runId: job.runId });
    if (this.#killed) {
      log.warn('agent stopping, claimed job not started');
      this.#options.onEnded?.('killed');
      return;
    }
    const running = new RunningAttempt();
    const { stop } = running;
    this.#running.set(key, running);
    // Set when the controller refuses a call for good: the attempt fails with this reason.
    let refusal: string | undefined;
    const refuse = (what: string, error: unknown) => {
      if (refusal !== undefined) return;
      refusal = `controller refused ${what}: ${(error as Error).message}`;
      log.error({ err: refusal }, 'controller refused a call, failing the job');
      stop.abort('canceled' satisfies StopReason);
    };
    const placeName = `${lease.jobId}-${lease.attempt}-${randomBytes(6).toString('hex')}`;
    const workspace = join(workDir, 'workspaces', placeName);
    const tmpDir = this.#scratch.claim(placeName);
    const keeper = new LeaseKeeper({
      controller,
      lease,
      heartbeatIntervalMs: this.#options.heartbeatIntervalMs,
      leaseTtlMs: this.#options.leaseTtlMs,
      logger: log,
      onCancelRequested: () => stop.abort('canceled' satisfies StopReason),
      onDrainRequested: () => this.#options.onDrainRequested?.(),
      onLost: () => {
        running.kill();
        streamer.abort();
        steps.stop();
      },
    });
    const streamer = new LogStreamer({
      maxBytes: maxLogBytes,
      secrets: Object.values(secrets),
      compressChunks: gzipLogChunks,
      // A short job's whole log goes with FinishJob when the controller takes it there.
      ...(finishCarriesLogs ? { holdFirst: { ms: this.#options.logHoldMs ?? 100, ...finishLogHoldLimits } } : {}),
      openSender: () => controller.openLogStream(lease),
      isRetryable: (error) => isTransientCallError(error) && !keeper.lost,
      onFailure: (error) => {
        if (isStaleLeaseError(error)) keeper.markStale();
        else if (isRefusedCallError(error)) refuse('the job log', error);
        else log.error({ err: (error as Error).message }, 'log stream failed');
      },
    });
    // Step reports go out in order, batched, without holding up the steps (unless too many wait).
    const steps = new StepReporter({
      // The last step's report goes with FinishJob when the controller takes it there, unless the end takes long.
      holdLastMs: finishCarriesSteps ? lastStepReportHoldMs : 0,
      holdFirstMs: finishCarriesSteps ? firstStepReportHoldMs : 0,
      intervalMs: stepReportIntervalMs,
      send: (batch) =>
        keeper.call('ReportSteps', () =>
          controller.reportSteps({ lease, steps: batch }).catch((error: unknown) => {
            if (isRefusedCallError(error)) refuse('a report of the steps', error);
            throw error;
          }),
        ),
    });
    const timeout =
      job.timeoutMs > 0
        ? setTimeout(() => stop.abort('timed_out' satisfies StopReason), Math.min(job.timeoutMs, maxTimerMs))
        : undefined;

    const lastStep = Math.max(0, job.steps.length - 1);
    const caches =
      job.caches.length === 0
        ? undefined
        : new JobCaches({
            controller,
            lease,
            specs: job.caches,
            roots: { workspace, home: this.#jobHome({ workspace, tmpDir }) },
            copies: this.#copies,
            maxBytes: this.#options.cacheMaxBytes ?? 5 * 1024 ** 3,
            print: (line) => streamer.write(`${line}\n`, caches?.restored ? lastStep : 0),
            signal: stop.signal,
          });

    keeper.start();
    log.info({ name: job.name, sha: job.sha, steps: job.steps.length }, 'job started');
    let ending: JobEnding = 'error';
    /** release() made the workspace a spare again: nothing is left at its path to remove. */
    let workspaceGone = false;
    try {
      let outcome = await this.#execute(job, lease, { workspace, tmpDir }, secrets, streamer, running, steps, caches);
      clearTimeout(timeout);
      if (refusal !== undefined) {
        outcome = { result: 'failed', exitCode: outcome.exitCode, message: refusal };
        streamer.write(`${refusal}\n`, Math.max(0, job.steps.length - 1));
      }
      if (keeper.lost) {
        ending = 'lease_lost';
        log.warn({ reason: keeper.lost }, 'job abandoned, lease lost');
        return;
      }
      if (running.killed) {
        ending = 'killed';
        streamer.abort();
        log.warn('job killed, not reported');
        return;
      }
      if (caches?.restored) await this.#saveCaches(caches, outcome.result, keeper, log);
      outcome = await this.#keepArtifacts(job, lease, workspace, outcome, (line) =>
        streamer.write(`${line}\n`, Math.max(0, job.steps.length - 1)),
      ).catch((error: unknown) => {
        if (!isStaleLeaseError(error)) throw error;
        keeper.markStale();
        return outcome;
      });
      if (keeper.lost) {
        ending = 'lease_lost';
        log.warn({ reason: keeper.lost }, 'job abandoned, lease lost');
        return;
      }
      // The log's acknowledgement precedes FinishJob; the last step reports (and a short log) travel with it,
      // or just before it.
      const lastSteps = finishCarriesSteps ? steps.handOver() : steps.flush().then(() => []);
      const logLeft = finishCarriesLogs ? streamer.handOver() : streamer.end().then(() => []);
      const [stepsLeft, logEnd] = await Promise.allSettled([lastSteps, logLeft]);
      if (logEnd.status === 'rejected' && !keeper.lost) {
        log.error({ err: (logEnd.reason as Error).message }, 'job log incomplete');
      }
      if (keeper.lost) {
        ending = 'lease_lost';
        log.warn({ reason: keeper.lost }, 'job abandoned, lease lost');
        return;
      }
      // A heartbeat landing after FinishJob would be refused as stale: none from now on.
      keeper.stopHeartbeats();
      // Retried until the controller answers (it is idempotent for this lease) or the lease is lost.
      const message = outcome.message.slice(0, maxMessageChars);
      const finishSteps = stepsLeft.status === 'fulfilled' ? stepsLeft.value : [];
      const logChunks = logEnd.status === 'fulfilled' ? logEnd.value.map((chunk) => ({ ...chunk, lease })) : [];
      const finished = await keeper.call('FinishJob', () =>
        controller.finishJob({ lease, ...outcome, message, steps: finishSteps, logChunks }),
      );
      // The next job of this commit will want a workspace: this one if the job left it untouched, else a
      // copy made in the background. Checking the workspace costs an lstat per entry, so it waits for
      // FinishJob's answer instead of delaying the call (and the next stage); a claim this agent makes
      // next is answered after that answer, so the workspace is a spare again by then.
      workspaceGone = this.#options.checkout.release(job.repoUrl, job.sha, workspace);
      ending = finished ? outcome.result : 'lease_lost';
      log.info({ ...outcome, reported: finished }, 'job finished');
    } catch (error) {
      log.error({ err: (error as Error).message }, 'job runner failed');
      streamer.abort();
    } finally {
      this.#options.onEnded?.(ending);
      // The successor of a job shell this attempt used up, started now rather than by the next attempt.
      this.#shells.replenish();
      this.#startAheadSoon();
      clearTimeout(timeout);
      keeper.stop();
      steps.stop();
      this.#running.delete(key);
      this.#options.checkout.forget(workspace);
      // Off the slot's critical path: the next job need not wait for the unlinks.
      const removal = workspaceGone ? undefined : removeTree(workspace, { background: true });
      const cleanup = Promise.all([removal, this.#scratch.release(tmpDir)])
        .then(() => {})
        .catch((error: Error) => log.warn({ workspace, err: error.message }, 'cannot remove workspace'))
        .finally(() => this.#cleanups.delete(cleanup));
      this.#cleanups.add(cleanup);
    }
  }

  /**
   * Uploads and commits the job's artifacts when its result calls for it
   * (`artifacts_when: always` keeps them after a failure too), and its JUnit
   * reports whatever the result (not when canceled). A file that cannot be
   * kept fails a succeeded attempt with the reason; a stale lease is thrown
   * for run() to handle.
   */
  async #keepArtifacts(
    job: JobSpec__Output,
    lease: Lease,
    workspace: string,
    outcome: Outcome,
    print: (line: string) => void,
  ): Promise<Outcome> {
    if (outcome.result === 'canceled') return outcome;
    const keepArtifacts =
      job.artifacts.length > 0 && (outcome.result === 'succeeded' || job.artifactsWhen === 'always');
    if (!keepArtifacts && job.junitReports.length === 0) return outcome;
    try {
      const files = new Map<string, CollectedFile>();
      if (keepArtifacts) {
        for (const file of await this.#collect(workspace, job.artifacts, 'artifacts', print))
          files.set(file.path, file);
      }
      const reports = await this.#collect(workspace, job.junitReports, 'reports.junit', print);
      for (const file of reports) files.set(file.path, file);
      const { controller, artifactMaxBytes = 10 * 1024 ** 3 } = this.#options;
      const started = performance.now();
      const kept = [...files.values()];
      const junitReports = reports.map((file) => file.path);
      await uploadArtifacts({ controller, lease, files: kept, maxBytes: artifactMaxBytes, junitReports, print });
      this.#transferLog(lease).info(
        { files: kept.length, bytes: bytesOf(kept), durationMs: Math.round(performance.now() - started) },
        'artifacts uploaded',
      );
      return outcome;
    } catch (error) {
      if (isStaleLeaseError(error)) throw error;
      const message =
        error instanceof ArtifactError ? error.message : `cannot keep artifacts: ${(error as Error).message}`;
      print(message);
      return outcome.result === 'succeeded' ? { result: 'failed', exitCode: 1, message } : outcome;
    }
  }

  /** Saves and reports the attempt's caches; nothing here changes its result. */
  async #saveCaches(caches: JobCaches, result: JobResult, keeper: LeaseKeeper, log: Logger): Promise<void> {
    try {
      await caches.save(result);
      await caches.report();
      log.info({ caches: caches.reports() }, 'caches done');
    } catch (error) {
      if (isStaleLeaseError(error)) keeper.markStale();
      else log.warn({ err: (error as Error).message }, 'cache report not delivered');
    }
  }

  /** The files `globs` match, each refusal and an empty match printed in the job log. */
  async #collect(
    workspace: string,
    globs: readonly string[],
    key: string,
    print: (line: string) => void,
  ): Promise<CollectedFile[]> {
    if (globs.length === 0) return [];
    const { files, refused } = await collectArtifacts(workspace, globs);
    for (const refusal of refused) print(`artifact ${refusal.path} refused: ${refusal.reason}`);
    if (files.length === 0) print(`no files match the ${key} globs ${globs.join(', ')}`);
    return files;
  }

  /** Where an attempt's artifact transfers are logged, with their size and duration (the bench reads them). */
  #transferLog(lease: Lease): Logger {
    return this.#options.logger.child({ jobId: lease.jobId, attempt: lease.attempt });
  }

  /** The HOME steps get: the run-as user's (the attempt's TMPDIR when it has none), else the agent's. */
  #jobHome(places: JobPlaces): string {
    const { runAs } = this.#options;
    if (runAs) return runAs.home !== undefined && existsSync(runAs.home) ? runAs.home : places.tmpDir;
    return this.#options.baseEnv.HOME || homedir();
  }

  async #execute(
    job: JobSpec__Output,
    lease: Lease,
    places: JobPlaces,
    secrets: Readonly<Record<string, string>>,
    streamer: LogStreamer,
    running: RunningAttempt,
    steps: StepReporter,
    caches: JobCaches | undefined,
  ): Promise<Outcome> {
    const { signal } = running.stop;
    try {
      return await this.#runSteps(job, lease, places, secrets, streamer, running, steps, caches);
    } catch (error) {
      // A checkout killed by cancel or timeout ends the attempt as that, not as a failure.
      if (signal.aborted) return stoppedOutcome(signal.reason as StopReason, job, 0);
      // Checkout, workspace, shell: whatever kept the steps from running is the attempt's result.
      const message = (error as Error).message || String(error);
      streamer.write(`${message}\n`, 0);
      return { result: 'failed', exitCode: 1, message };
    }
  }

  /**
   * Has the idle job shells start their next first step's process (a fork
   * and an exec of bash each) a moment after an attempt was reported
   * finished: by then the next stage's jobs, when its run has one, have
   * started, and the forks do not compete with them for the cores.
   */
  #startAheadSoon(): void {
    if (this.#aheadTimer) return;
    this.#aheadTimer = setTimeout(() => {
      this.#aheadTimer = undefined;
      this.#shells.startAhead();
    }, startAheadDelayMs);
    this.#aheadTimer.unref();
  }

  async #runSteps(
    job: JobSpec__Output,
    lease: Lease,
    places: JobPlaces,
    secrets: Readonly<Record<string, string>>,
    streamer: LogStreamer,
    running: RunningAttempt,
    steps: StepReporter,
    caches: JobCaches | undefined,
  ): Promise<Outcome> {
    const { signal } = running.stop;
    const { workspace, tmpDir } = places;
    await this.#options.checkout.checkout({ repoUrl: job.repoUrl, sha: job.sha, workspace, signal });
    await caches?.restore();
    if (job.needsArtifacts.length > 0) {
      const print = (line: string) => streamer.write(`${line}\n`, 0);
      const started = performance.now();
      const received = await downloadArtifacts({
        controller: this.#options.controller,
        lease,
        workspace,
        needs: job.needsArtifacts,
        signal,
        print,
      });
      this.#transferLog(lease).info(
        { files: received.length, bytes: bytesOf(received), durationMs: Math.round(performance.now() - started) },
        'artifacts downloaded',
      );
    }
    await this.#scratch.prepare(tmpDir);
    const { runAs } = this.#options;
    if (runAs) {
      // The checkout hands the workspace out standalone and owned by runAs (see GitCheckoutOptions.owner);
      // what caches and artifacts added to it is the agent's until given too.
      if (caches || job.needsArtifacts.length > 0) await chownTree(workspace, runAs);
      await chownTree(tmpDir, runAs);
    }
    const env = jobEnvironment(
      this.#options.baseEnv,
      job,
      lease,
      {
        ...places,
        ...(runAs ? { home: this.#jobHome(places) } : {}),
      },
      secrets,
    );
    // One shell runs every step of the attempt (started with the first step).
    const shell = new JobShell({
      cwd: workspace,
      env,
      killGraceMs: this.#options.killGraceMs,
      ...(runAs ? { user: { uid: runAs.uid, gid: runAs.gid } } : {}),
      pool: this.#shells,
    });
    running.shell = shell;
    try {
      for (const [stepIndex, command] of job.steps.entries()) {
        if (steps.full) await steps.room(signal);
        if (signal.aborted) return stoppedOutcome(signal.reason as StopReason, job, 0);
        // Short steps print little but each is a chunk: the header obeys the log queue's bound too.
        if (!streamer.write(`$ ${command}\n`, stepIndex)) await untilAborted(streamer.drain(), signal);
        steps.started(stepIndex);
        const stepTimeoutMs = job.stepTimeoutsMs[stepIndex] ?? 0;
        const step = await shell.runStep({
          command,
          sink: { write: (data) => streamer.write(data, stepIndex), drain: () => streamer.drain() },
          signal,
          timeoutMs: stepTimeoutMs,
          more: stepIndex < job.steps.length - 1,
        });
        // What the masker held back of the step's output goes out now, not with the next step.
        streamer.endStep();
        if (step.stopped) {
          steps.ended(stepIndex, step.stopped === 'timed_out' ? 'timed_out' : 'canceled', step.exitCode, true);
          if (step.stoppedBy === 'timeout') {
            const message = `step ${stepIndex + 1} timed out after ${stepTimeoutMs} ms`;
            return { result: 'timed_out', exitCode: step.exitCode, message };
          }
          return stoppedOutcome(step.stopped, job, step.exitCode);
        }
        if (step.exitCode !== 0) {
          steps.ended(stepIndex, 'failed', step.exitCode, true);
          const message = `step ${stepIndex + 1} failed with exit code ${step.exitCode}`;
          return { result: 'failed', exitCode: step.exitCode, message };
        }
        steps.ended(stepIndex, 'succeeded', 0, stepIndex === job.steps.length - 1);
      }
    } finally {
      await shell.close();
    }
    if (signal.aborted) return stoppedOutcome(signal.reason as StopReason, job, 0);
    return { result: 'succeeded', exitCode: 0, message: '' };
  }
}

function bytesOf(files: readonly { size: number }[]): number {
  return files.reduce((sum, file) => sum + file.size, 0);
}

function stoppedOutcome(reason: StopReason, job: JobSpec__Output, exitCode: number): Outcome {
  if (reason === 'timed_out')
    return { result: 'timed_out', exitCode, message: `job timed out after ${job.timeoutMs} ms` };
  return { result: 'canceled', exitCode, message: 'job canceled' };
}

/** Resolves when `promise` settles or `signal` aborts, whichever comes first. */
function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    promise.then(done, done);
  });
}
