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
import { AckPolicy, DeliverPolicy, type JsMsg, type NatsConnection, nanos, type Status } from 'nats';
import type { Logger } from 'pino';
import { sleep } from '../sleep.js';

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

/** One delivered offer, stripped of NATS types. Each settle method is called at most once. */
export interface JobMessage {
  readonly data: Uint8Array;
  readonly queue: string;
  readonly deliveryCount: number;
  ack(): void;
  /** Redeliver after `delayMs` (to any agent). */
  nak(delayMs?: number): void;
  /** Never redeliver. */
  term(): void;
}

export const consumerAckWaitMs = 30_000;
/**
 * Lifetime of one outstanding pull. The server sends idle heartbeats every
 * half of it; two missed ones make the client check that the consumer still
 * exists, so a consumer lost under an idle agent is noticed within this time.
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
  /** Aborting stops pulling; a message that arrives afterwards is nak'ed at once. */
  signal: AbortSignal;
  /** Called with a slot already taken for the message; the callee releases it. */
  onMessage: (message: JobMessage) => void;
}

/** The pull loop of one queue. Resolves when the signal aborts. */
export async function pullJobs(options: PullJobsOptions): Promise<void> {
  const reconnects = watchReconnects(options.nc);
  try {
    await pullLoop(options, reconnects);
  } finally {
    reconnects.stop();
  }
}

async function pullLoop(options: PullJobsOptions, reconnects: ReconnectWatch): Promise<void> {
  const { nc, queue, slots, logger, signal, onMessage } = options;
  const js = nc.jetstream();
  let failures = 0;
  let consumer: Awaited<ReturnType<typeof js.consumers.get>> | undefined;
  while (!signal.aborted) {
    if (!(await slots.waitForFree(signal))) break;
    try {
      consumer ??= await js.consumers.get(natsTopology.jobsStream, natsTopology.jobsConsumer(queue));
      // As many offers as there are free slots: a stage's jobs arrive on one pull, not one pull each.
      const messages = await consumer.fetch({ max_messages: Math.max(1, slots.free), expires: pullExpiresMs });
      // Withdraw the pull when the agent is full or stops, so no message waits in a busy agent;
      // and after a reconnect, when the server may have forgotten it (restart): then pull again at once.
      const stop = () => messages.stop();
      const unsubscribe = slots.onFull(stop);
      signal.addEventListener('abort', stop, { once: true });
      reconnects.onReconnect = stop;
      let delivered = 0;
      try {
        for await (const msg of messages) {
          failures = 0;
          delivered++;
          if (signal.aborted || !slots.tryAcquire()) {
            msg.nak();
            continue;
          }
          onMessage(toJobMessage(msg, queue));
        }
      } finally {
        reconnects.onReconnect = undefined;
        unsubscribe();
        signal.removeEventListener('abort', stop);
      }
      if (delivered === 0 && !signal.aborted) logger.debug({ queue }, 'job pull ended empty, pulling again');
    } catch (error) {
      if (signal.aborted) break;
      consumer = undefined;
      failures++;
      const err = (error as Error).message;
      const missing = isMissingResource(error);
      const delayMs = backoffDelayMs(failures, { initialDelayMs: 250, maxDelayMs: 5000 });
      logger.warn({ queue, delayMs, err, recreate: missing || failures >= 3 }, 'job pull failed, retrying');
      await sleep(delayMs, signal).catch(() => {});
      // Resolves once the consumer exists again (waiting for the stream if need be), or on abort.
      if (missing || failures >= 3) await ensureJobConsumer(nc, queue, logger, signal).catch(() => {});
    }
  }
}

interface ReconnectWatch {
  /** Called after each reconnect of the connection. */
  onReconnect: (() => void) | undefined;
  stop(): void;
}

function watchReconnects(nc: NatsConnection): ReconnectWatch {
  const statuses = nc.status() as AsyncIterable<Status> & { stop(): void };
  const watch: ReconnectWatch = { onReconnect: undefined, stop: () => statuses.stop() };
  void (async () => {
    for await (const status of statuses) if (status.type === 'reconnect') watch.onReconnect?.();
  })();
  return watch;
}

/** The consumer or its stream is gone (deleted, or a server that lost its store). */
function isMissingResource(error: unknown): boolean {
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

function toJobMessage(msg: JsMsg, queue: string): JobMessage {
  return {
    data: msg.data,
    queue,
    deliveryCount: msg.info.redeliveryCount,
    ack: () => msg.ack(),
    nak: (delayMs) => msg.nak(delayMs),
    term: () => msg.term(),
  };
}
