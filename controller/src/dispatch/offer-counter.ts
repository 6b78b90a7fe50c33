/**
 * Counts the job offers of one queue that an agent can still be handed: those
 * its consumer has yet to deliver, or delivered and not yet acked. The reaper
 * compares it with the queued jobs to find offers lost inside NATS.
 *
 * Counted from the queue's consumer, not from the stream: after JetStream
 * nodes crash one after another, a stream can come back with sequence numbers
 * its consumer already delivered past, and the offers stored under them are in
 * the stream but never delivered. Counted from the stream they would look
 * present, and their jobs would wait forever. Without a consumer (no agent
 * ever served the queue) the stream's count is all there is.
 */
import { natsTopology } from '@gantry/proto';
import type { NatsConnection } from 'nats';

export function createOfferCounter(connection: NatsConnection): (queue: string) => Promise<number> {
  let manager: Awaited<ReturnType<NatsConnection['jetstreamManager']>> | undefined;
  return async (queue) => {
    manager ??= await connection.jetstreamManager();
    const consumer = await manager.consumers
      .info(natsTopology.jobsStream, natsTopology.jobsConsumer(queue))
      .catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
    if (consumer) return consumer.num_pending + consumer.num_ack_pending;
    const subject = natsTopology.jobsSubject(queue);
    const info = await manager.streams.info(natsTopology.jobsStream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  };
}

/** JetStream's "consumer not found" (API error 10014). */
function isNotFound(error: unknown): boolean {
  return (error as { api_error?: { err_code?: number } })?.api_error?.err_code === 10014;
}

/**
 * Asks JetStream to elect another leader for the queue's consumer, among the
 * nodes holding the stream, which then delivers from its own, current copy.
 * Without a cluster there is no other node: the refusal is not an error.
 */
export function createConsumerMover(connection: NatsConnection): (queue: string) => Promise<void> {
  return async (queue) => {
    const subject = `$JS.API.CONSUMER.LEADER.STEPDOWN.${natsTopology.jobsStream}.${natsTopology.jobsConsumer(queue)}`;
    const answer = (await connection.request(subject, '', { timeout: 5000 })).json<{
      success?: boolean;
      error?: { code: number; err_code?: number; description: string };
    }>();
    if (answer.success || answer.error?.err_code === notClustered) return;
    throw new Error(`consumer leader step-down refused: ${answer.error?.description ?? 'no answer'}`);
  };
}

/** JetStream's answer to a step-down outside a cluster (JSClusterRequiredErr). */
const notClustered = 10010;
