/**
 * Pulls job offers from the durable consumer of one queue. A pull
 * is outstanding only while the shared slot gate has a free slot, and asks
 * for at most as many offers as there are free slots, so a busy agent holds
 * no messages; an outstanding pull is delivered by the server the moment a
 * job is published.
 *
 * The loop outlives NATS trouble: a failed pull (server restarting, outage,
 * timeout) is retried with backoff and a log line; a consumer or stream that
 * is gone (a nats-server that lost its store) is created again first. Only
 * the signal ends the loop.
 */

import { backoffDelayMs } from '@gantry/common';
import { natsTopology } from '@gantry/proto';
import { AckPolicy, DeliverPolicy, type NatsConnection, nanos, type Status } from 'nats';
import type { Logger } from 'pino';
import { sleep } from '../sleep.js';
import { type PulledMessage, PullInbox, PullRefusedError, PullUnansweredError } from './pull-inbox.js';

/** What the loop needs from the agent's slot pool (runner/slot-pool.ts). */
export interface SlotGate {
  /** Resolves true once a slot is free, false if the signal aborts first. */
  waitForFree(signal: AbortSignal): Promise<boolean>;
  /** Takes a slot if one is free. */
  tryAcquire(): boolean;
  /** Slots free now. */
  readonly free: number;
  /** Calls `listener` whenever the last free slot is taken; returns an unsubscribe. */
  onFull(listener: () => void): () => void;
}

/** One delivered offer of a queue, stripped of NATS types. Each settle method is called at most once. */
export interface JobMessage extends PulledMessage {
  readonly queue: string;
}

export const consumerAckWaitMs = 30_000;
/**
 * Lifetime of one outstanding pull. The server answers an expired pull with a
 * 408. A pull that outlives its expiry unanswered while the connection is up
 * (a consumer lost with its server's store) fails, and the consumer is looked
 * up (added again if missing) before the next pull, so a consumer lost under
 * an idle agent is noticed within about this time; during an outage the pull
 * is simply made again.
 */
const pullExpiresMs = 10_000;

/**
 * Adds the queue's durable pull consumer unless it exists; idempotent. Waits
 * (with backoff) for the controller to create the stream, or, when this agent
 * may not add consumers, the consumer. Rejects only when the signal aborts.
 */
export async function ensureJobConsumer(nc: NatsConnection, queue: string, logger: Logger, signal: AbortSignal) {
  const durable = natsTopology.jobsConsumer(queue);
  for (let attempt = 1; ; attempt++) {
    let jsm: Awaited<ReturnType<NatsConnection['jetstreamManager']>> | undefined;
    try {
      // No API check: it is one more request that fails while the server is away.
      jsm = await nc.jetstreamManager({ checkAPI: false });
      // With NATS authorization only the controller may add it (at Register); an agent may look it up.
      if (await consumerExists(jsm, durable)) return;
      await jsm.consumers.add(natsTopology.jobsStream, {
        durable_name: durable,
        filter_subject: natsTopology.jobsSubject(queue),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(consumerAckWaitMs),
        max_deliver: -1,
      });
      return;
    } catch (error) {
      const err = error as Error & { api_error?: { err_code?: number } };
      // Someone created it with other settings: use it as it is rather than fight over it.
      if (jsm && err.api_error?.err_code !== 10059 && (await consumerExists(jsm, durable))) {
        logger.warn({ queue, durable, err: err.message }, 'job consumer exists with other settings, using it');
        return;
      }
      const delayMs = backoffDelayMs(attempt, { initialDelayMs: 250, maxDelayMs: 5000 });
      logger.warn({ queue, durable, attempt, delayMs, err: err.message }, 'cannot add job consumer, retrying');
      await sleep(delayMs, signal);
    }
  }
}

async function consumerExists(jsm: Awaited<ReturnType<NatsConnection['jetstreamManager']>>, durable: string) {
  try {
    await jsm.consumers.info(natsTopology.jobsStream, durable);
    return true;
  } catch {
    return false;
  }
}

export interface PullJobsOptions {
  nc: NatsConnection;
  queue: string;
  slots: SlotGate;
  logger: Logger;
  /** Prefix of the agent's inboxes (with NATS users, the only subjects it may subscribe to). */
  inboxPrefix?: string | undefined;
  /** Aborting stops pulling; a message that arrives afterwards is nak'ed at once. */
  signal: AbortSignal;
  /** Called with a slot already taken for the message; the callee releases it. */
  onMessage: (message: JobMessage) => void;
}

/** The pull loop of one queue. Resolves when the signal aborts. */
export async function pullJobs(options: PullJobsOptions): Promise<void> {
  const { nc, queue, slots, signal, onMessage } = options;
  const reconnects = watchReconnects(nc);
  const inbox = new PullInbox({
    nc,
    stream: natsTopology.jobsStream,
    consumer: natsTopology.jobsConsumer(queue),
    inboxPrefix: options.inboxPrefix,
    onMessage: (msg) => {
      if (signal.aborted || !slots.tryAcquire()) msg.nak();
      else onMessage({ ...msg, queue });
    },
  });
  try {
    await pullLoop(options, inbox, reconnects);
  } finally {
    inbox.close();
    reconnects.stop();
  }
}

async function pullLoop(options: PullJobsOptions, inbox: PullInbox, reconnects: ReconnectWatch): Promise<void> {
  const { nc, queue, slots, logger, signal } = options;
  let failures = 0;
  while (!signal.aborted) {
    if (!(await slots.waitForFree(signal))) break;
    // Withdraw the pull when the agent is full or stops, so no message waits in a busy agent;
    // and after a reconnect, when the server may have forgotten it (restart): then pull again at once.
    const withdraw = () => inbox.withdraw();
    const unsubscribe = slots.onFull(withdraw);
    signal.addEventListener('abort', withdraw, { once: true });
    reconnects.onReconnect = withdraw;
    try {
      // As many offers as there are free slots: a stage's jobs arrive on one pull, not one pull each.
      const { delivered } = await inbox.pull(Math.max(1, slots.free), pullExpiresMs);
      failures = 0;
      if (delivered === 0 && !signal.aborted) logger.debug({ queue }, 'job pull ended empty, pulling again');
    } catch (error) {
      if (signal.aborted) break;
      if (error instanceof PullUnansweredError && !reconnects.connected) {
        // No server to answer: the pull is made again (and sent once the connection is back, which also withdraws it).
        logger.debug({ queue }, 'job pull ended empty, pulling again');
        continue;
      }
      failures++;
      const err = (error as Error).message;
      // Unanswered: the consumer may be gone with no one to say so (a server that lost its store).
      const recreate = isMissingResource(error) || error instanceof PullUnansweredError || failures >= 3;
      const delayMs = backoffDelayMs(failures, { initialDelayMs: 250, maxDelayMs: 5000 });
      logger.warn({ queue, delayMs, err, recreate }, 'job pull failed, retrying');
      await sleep(delayMs, signal).catch(() => {});
      // Resolves once the consumer exists (added again if need be, waiting for the stream), or on abort.
      if (recreate) await ensureJobConsumer(nc, queue, logger, signal).catch(() => {});
    } finally {
      reconnects.onReconnect = undefined;
      unsubscribe();
      signal.removeEventListener('abort', withdraw);
    }
  }
}

interface ReconnectWatch {
  /** Called after each reconnect of the connection. */
  onReconnect: (() => void) | undefined;
  /** False from a disconnect until the reconnect. */
  readonly connected: boolean;
  stop(): void;
}

function watchReconnects(nc: NatsConnection): ReconnectWatch {
  const statuses = nc.status() as AsyncIterable<Status> & { stop(): void };
  let connected = true;
  const watch: ReconnectWatch = {
    onReconnect: undefined,
    get connected() {
      return connected;
    },
    stop: () => statuses.stop(),
  };
  void (async () => {
    for await (const status of statuses) {
      if (status.type === 'disconnect') connected = false;
      else if (status.type === 'reconnect') {
        connected = true;
        watch.onReconnect?.();
      }
    }
  })();
  return watch;
}

/** The consumer or its stream is gone (deleted, or a server that lost its store). */
function isMissingResource(error: unknown): boolean {
  if (error instanceof PullRefusedError) return error.code === 503 || error.message === 'consumer deleted';
  const err = error as Error & { code?: string; api_error?: { err_code?: number } };
  return (
    err.message === 'consumer not found' ||
    err.message === 'stream not found' ||
    err.message === 'consumer deleted' ||
    err.message === 'no responders' ||
    err.api_error?.err_code === 10014 ||
    err.api_error?.err_code === 10059
  );
}
