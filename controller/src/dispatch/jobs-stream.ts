/**
 * The JetStream stream GANTRY_JOBS (WorkQueue retention, file storage, over
 * `gantry.jobs.>`), which the controller owns. Created at start, and again
 * whenever it disappears (deleted by an operator, a nats-server that lost its
 * store): the keeper checks when a publish fails and every `checkIntervalMs`.
 * Agents create their own per-queue consumers and re-add them once the stream
 * is back (agent/src/queue/job-consumer.ts); offers lost with the old stream are
 * re-published by the caller's `onRecreated`.
 */
import { type RetryOptions, retry, sleep } from '@gantry/common';
import { natsTopology } from '@gantry/proto';
import {
  DiscardPolicy,
  type JetStreamManager,
  type NatsConnection,
  RetentionPolicy,
  StorageType,
  type StreamInfo,
} from 'nats';
import type { Logger } from 'pino';

const streamNotFound = 10059;

/**
 * Creates the jobs stream with `replicas` copies (on a NATS cluster), or
 * brings an existing one to that many replicas. Idempotent; safe to call from
 * several controllers at once (an identical add is accepted by JetStream).
 */
export async function ensureJobsStream(connection: NatsConnection, replicas: number): Promise<void> {
  const manager = await connection.jetstreamManager();
  let info: StreamInfo;
  try {
    info = await manager.streams.info(natsTopology.jobsStream);
  } catch (error) {
    if ((error as { api_error?: { err_code?: number } }).api_error?.err_code !== streamNotFound) throw error;
    await addJobsStream(manager, replicas);
    return;
  }
  if (info.config.num_replicas !== replicas) {
    await manager.streams.update(natsTopology.jobsStream, { ...info.config, num_replicas: replicas });
  }
}

/** How long startup waits for JetStream to answer: about a minute, the first attempt included. */
const jobsStreamStartupRetry: RetryOptions = { initialDelayMs: 500, maxDelayMs: 4000, maxAttempts: 8 };

/**
 * ensureJobsStream, tried again while JetStream does not answer for now (a
 * request timing out, no responders: a cluster still electing its leaders
 * after a node restarted); a refusal (a stream the servers cannot have) fails
 * at once. Each retry is logged. `ensure` is for tests.
 */
export async function ensureJobsStreamPatiently(
  connection: NatsConnection,
  replicas: number,
  log: Logger,
  policy: RetryOptions = jobsStreamStartupRetry,
  ensure: typeof ensureJobsStream = ensureJobsStream,
): Promise<void> {
  await retry(() => ensure(connection, replicas), {
    ...policy,
    shouldRetry: isJetStreamUnanswered,
    onRetry: (error, failures, delayMs) =>
      log.warn({ err: (error as Error).message, failures, delayMs }, 'jetstream not answering yet, retrying'),
  });
}

/** JetStream did not answer (timeout, no responders), as opposed to refusing the request. */
function isJetStreamUnanswered(error: unknown): boolean {
  const err = error as { code?: unknown; api_error?: { code?: number } };
  return err.code === 'TIMEOUT' || err.code === '503' || err.api_error?.code === 503;
}

/** True when the stream exists; false when the server says it does not; throws when the server does not answer. */
export async function jobsStreamExists(manager: JetStreamManager): Promise<boolean> {
  try {
    await manager.streams.info(natsTopology.jobsStream);
    return true;
  } catch (error) {
    if ((error as { api_error?: { err_code?: number } }).api_error?.err_code === streamNotFound) return false;
    throw error;
  }
}

async function addJobsStream(manager: JetStreamManager, replicas: number): Promise<void> {
  await manager.streams.add({
    num_replicas: replicas,
    name: natsTopology.jobsStream,
    subjects: [`${natsTopology.jobsSubjectPrefix}>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: 120 * 1_000_000_000,
  });
}

export interface JobsStreamKeeperOptions {
  connection: NatsConnection;
  log: Logger;
  /** How often `run` checks that the stream exists. */
  checkIntervalMs: number;
  /** Replicas of the stream when it is created again (GANTRY_JOBS_REPLICAS). */
  replicas: number;
  /** Called after the stream was created again; re-publishes what the old one held. Must not throw. */
  onRecreated: () => Promise<void>;
}

export class JobsStreamKeeper {
  private manager: JetStreamManager | undefined;
  private inFlight: Promise<boolean> | undefined;

  constructor(private readonly options: JobsStreamKeeperOptions) {}

  /** The manager without the API probe each `jetstreamManager()` call would make. */
  async jetstreamManager(): Promise<JetStreamManager> {
    this.manager ??= await this.options.connection.jetstreamManager({ checkAPI: false });
    return this.manager;
  }

  /** True when the stream exists now; rejects when NATS does not answer. Changes nothing. */
  async exists(): Promise<boolean> {
    return jobsStreamExists(await this.jetstreamManager());
  }

  /**
   * Creates the stream again if it is missing. Concurrent callers share one
   * check. Resolves true when it re-created the stream; rejects when NATS does
   * not answer.
   */
  ensure(reason: string): Promise<boolean> {
    this.inFlight ??= this.recreateIfMissing(reason).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Checks every `checkIntervalMs` until `signal` aborts. Never throws. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.options.checkIntervalMs, signal);
      if (signal.aborted) return;
      await this.ensure('periodic check').catch((error) =>
        this.options.log.warn({ err: error }, 'cannot check the jobs stream'),
      );
    }
  }

  private async recreateIfMissing(reason: string): Promise<boolean> {
    const manager = await this.jetstreamManager();
    if (await jobsStreamExists(manager)) return false;
    await addJobsStream(manager, this.options.replicas);
    this.options.log.warn({ stream: natsTopology.jobsStream, reason }, 'jobs stream was missing, created it again');
    await this.options.onRecreated();
    return true;
  }
}
