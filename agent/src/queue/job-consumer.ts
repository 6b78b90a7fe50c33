/**
 * Pulls job offers from the durable consumer of one queue (DESIGN §4). A pull
 * is outstanding only while the shared slot gate has a free slot, so a busy
 * agent holds no messages; an outstanding pull is delivered by the server the
 * moment a job is published.
 */

import { natsTopology } from '@gantry/proto';
import { AckPolicy, DeliverPolicy, type JsMsg, type NatsConnection, nanos } from 'nats';
import type { Logger } from 'pino';
import { sleep } from '../sleep.js';

/** What the loop needs from the agent's slot pool (runner/slot-pool.ts). */
export interface SlotGate {
  /** Resolves true once a slot is free, false if the signal aborts first. */
  waitForFree(signal: AbortSignal): Promise<boolean>;
  /** Takes a slot if one is free. */
  tryAcquire(): boolean;
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
const pullExpiresMs = 30_000;

/**
 * Adds the queue's durable pull consumer; idempotent. Waits (with backoff) for
 * the controller to create the stream. Rejects only when the signal aborts.
 */
export async function ensureJobConsumer(nc: NatsConnection, queue: string, logger: Logger, signal: AbortSignal) {
  const jsm = await nc.jetstreamManager();
  const durable = natsTopology.jobsConsumer(queue);
  for (let attempt = 1; ; attempt++) {
    try {
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
      if (err.api_error?.err_code !== 10059 && (await consumerExists(jsm, durable))) {
        logger.warn({ queue, durable, err: err.message }, 'job consumer exists with other settings, using it');
        return;
      }
      const delayMs = Math.min(250 * 2 ** (attempt - 1), 5000);
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
  const { nc, queue, slots, logger, signal, onMessage } = options;
  const js = nc.jetstream();
  let failures = 0;
  let consumer: Awaited<ReturnType<typeof js.consumers.get>> | undefined;
  while (!signal.aborted) {
    if (!(await slots.waitForFree(signal))) break;
    try {
      consumer ??= await js.consumers.get(natsTopology.jobsStream, natsTopology.jobsConsumer(queue));
      const messages = await consumer.fetch({ max_messages: 1, expires: pullExpiresMs });
      // Withdraw the pull when the agent is full or stops, so no message waits in a busy agent.
      const stop = () => messages.stop();
      const unsubscribe = slots.onFull(stop);
      signal.addEventListener('abort', stop, { once: true });
      try {
        for await (const msg of messages) {
          failures = 0;
          if (signal.aborted || !slots.tryAcquire()) {
            msg.nak();
            continue;
          }
          onMessage(toJobMessage(msg, queue));
        }
      } finally {
        unsubscribe();
        signal.removeEventListener('abort', stop);
      }
    } catch (error) {
      if (signal.aborted) break;
      consumer = undefined;
      failures++;
      const delayMs = Math.min(250 * 2 ** (failures - 1), 5000);
      logger.warn({ queue, delayMs, err: (error as Error).message }, 'job pull failed, retrying');
      await sleep(delayMs, signal).catch(() => {});
      if (failures >= 3) await ensureJobConsumer(nc, queue, logger, signal).catch(() => {});
    }
  }
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
