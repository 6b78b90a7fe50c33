/**
 * Keeps one attempt's lease alive and decides when the agent must stop
 * speaking for it. Heartbeats every `heartbeatIntervalMs`; a failed heartbeat
 * is retried sooner, with jittered backoff (100 ms doubling, at most 2 s and never
 * later than the next regular beat), so a controller that comes back after a
 * restart renews the lease well before the fence; the lease is *lost*
 * when the controller answers FAILED_PRECONDITION to any call (stale lease) or
 * when no heartbeat has succeeded for 2/3 of `leaseTtlMs` (self-fencing: the
 * reaper may already have handed the job to another agent) — counting from the
 * last answer saying the controller's database is away, during which no
 * reaper can act. Once lost, onLost
 * fires once and every later call() is skipped. Heartbeats stop before
 * FinishJob (stopHeartbeats): one landing after it would be refused as stale.
 * A heartbeat answer may also ask to cancel the attempt or to drain the agent
 * (onCancelRequested, onDrainRequested).
 */

import { backoffDelayMs } from '@gantry/common';
import type { Logger } from 'pino';
import {
  type ControllerClient,
  isDatabaseUnavailableError,
  isStaleLeaseError,
  isTransientCallError,
  type Lease,
} from '../controller-client.js';
import { sleep } from '../sleep.js';

export type LeaseLossReason = 'stale' | 'expired';

export interface LeaseKeeperOptions {
  controller: ControllerClient;
  lease: Lease;
  heartbeatIntervalMs: number;
  leaseTtlMs: number;
  logger: Logger;
  /** The controller asked (through a heartbeat answer) to cancel the attempt. */
  onCancelRequested: () => void;
  /**
   * The controller said (through a heartbeat answer) that this agent was asked
   * to drain: the fallback for a drain control message NATS lost. Called on
   * every such answer; draining must be idempotent.
   */
  onDrainRequested: () => void;
  onLost: (reason: LeaseLossReason) => void;
}

export class LeaseKeeper {
  readonly #options: LeaseKeeperOptions;
  readonly #stopped = new AbortController();
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #fenceTimer: NodeJS.Timeout | undefined;
  #failedBeats = 0;
  #lost: LeaseLossReason | undefined;
  #heartbeatsStopped = false;

  constructor(options: LeaseKeeperOptions) {
    this.#options = options;
  }

  get lost(): LeaseLossReason | undefined {
    return this.#lost;
  }

  /** Starts heartbeating; the claim just granted counts as the first renewal. */
  start(): void {
    this.#armFence();
    this.#scheduleBeat(this.#options.heartbeatIntervalMs);
  }

  /**
   * Stops heartbeating, for good: the attempt is about to be finished. No
   * heartbeat is sent from now on, and the answer to one already in flight is
   * ignored — landing after FinishJob it would be refused as stale, which
   * says nothing about the lease FinishJob carries. A stale answer to call()
   * (FinishJob itself) still loses the lease, and the self-fencing deadline
   * still runs. Idempotent.
   */
  stopHeartbeats(): void {
    this.#heartbeatsStopped = true;
    clearTimeout(this.#heartbeatTimer);
  }

  /** Stops heartbeating and any retries of call(). Idempotent. */
  stop(): void {
    clearTimeout(this.#heartbeatTimer);
    clearTimeout(this.#fenceTimer);
    // A reason of our own: abort() without one builds a DOMException, stack trace and all, at every job's end.
    this.#stopped.abort('stopped');
  }

  /**
   * Runs an idempotent lease-bearing call, retrying transient failures until it
   * succeeds, the lease is lost, or stop() is called. Returns false if it never
   * succeeded. A stale-lease answer marks the lease lost.
   */
  async call(method: string, invoke: () => Promise<unknown>): Promise<boolean> {
    for (let attempt = 1; !this.#lost && !this.#stopped.signal.aborted; attempt++) {
      try {
        await invoke();
        return true;
      } catch (error) {
        if (isStaleLeaseError(error)) {
          this.#lose('stale');
          return false;
        }
        const { jobId, attempt: jobAttempt } = this.#options.lease;
        const err = (error as Error).message;
        // As for heartbeats: while the database is away no reaper can take the lease.
        if (isDatabaseUnavailableError(error)) this.#armFence();
        if (!isTransientCallError(error)) {
          this.#options.logger.error({ jobId, attempt: jobAttempt, method, err }, 'controller refused call');
          return false;
        }
        const delayMs = backoffDelayMs(attempt, { initialDelayMs: 100, maxDelayMs: 2000 });
        this.#options.logger.warn(
          { jobId, attempt: jobAttempt, method, delayMs, err },
          'controller call failed, retrying',
        );
        await sleep(delayMs, this.#stopped.signal).catch(() => {});
      }
    }
    return false;
  }

  /** Another call (e.g. the log stream) was refused as stale: lose the lease now. */
  markStale(): void {
    this.#lose('stale');
  }

  #scheduleBeat(delayMs: number): void {
    if (this.#lost || this.#stopped.signal.aborted || this.#heartbeatsStopped) return;
    this.#heartbeatTimer = setTimeout(() => void this.#beat(), delayMs);
  }

  /** One heartbeat; schedules the next (regular after success, backoff after failure). */
  async #beat(): Promise<void> {
    const sentAt = Date.now();
    const { controller, lease, heartbeatIntervalMs, logger } = this.#options;
    try {
      const answer = await controller.heartbeat(lease, Math.max(1000, Math.min(10_000, heartbeatIntervalMs)));
      if (this.#lost || this.#stopped.signal.aborted || this.#heartbeatsStopped) return;
      if (this.#failedBeats > 0) {
        logger.info({ jobId: lease.jobId, attempt: lease.attempt, failures: this.#failedBeats }, 'heartbeat renewed');
      }
      this.#failedBeats = 0;
      this.#armFence(Date.now() - sentAt);
      this.#scheduleBeat(heartbeatIntervalMs);
      if (answer.cancelRequested) this.#options.onCancelRequested();
      if (answer.drainRequested) this.#options.onDrainRequested();
    } catch (error) {
      if (this.#heartbeatsStopped) return;
      if (isStaleLeaseError(error)) {
        this.#lose('stale');
        return;
      }
      // The controller is there but its database is not: nobody can reap the lease, so the
      // fence waits; every reaper stays disarmed for a TTL once the database is back.
      if (isDatabaseUnavailableError(error)) this.#armFence();
      this.#failedBeats++;
      const delayMs = backoffDelayMs(this.#failedBeats, {
        initialDelayMs: 100,
        maxDelayMs: Math.min(2000, heartbeatIntervalMs),
      });
      const err = (error as Error).message;
      logger.warn({ jobId: lease.jobId, attempt: lease.attempt, delayMs, err }, 'heartbeat failed, retrying');
      this.#scheduleBeat(delayMs);
    }
  }

  /** (Re)starts the self-fencing deadline, measured from when the last good heartbeat was sent. */
  #armFence(elapsedMs = 0): void {
    clearTimeout(this.#fenceTimer);
    const fenceAfterMs = Math.floor((this.#options.leaseTtlMs * 2) / 3);
    this.#fenceTimer = setTimeout(() => this.#lose('expired'), Math.max(0, fenceAfterMs - elapsedMs));
  }

  #lose(reason: LeaseLossReason): void {
    if (this.#lost || this.#stopped.signal.aborted) return;
    this.#lost = reason;
    this.stop();
    const { jobId, attempt } = this.#options.lease;
    this.#options.logger.warn({ jobId, attempt, reason }, 'lease lost, killing job');
    this.#options.onLost(reason);
  }
}
