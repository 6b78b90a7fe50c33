/**
 * The durable pull consumer of each queue (`jobs-<queue>` on GANTRY_JOBS),
 * added by the controller: with NATS authorization an agent may pull from a
 * consumer but not create one (see `gantry nats-config`). Added when an agent
 * registers for the queue and before an offer is published to it; an agent
 * that may create consumers (NATS without authorization) adds the same one
 * itself, which JetStream accepts as identical.
 */
import { natsTopology } from '@gantry/proto';
import { AckPolicy, DeliverPolicy, type JetStreamManager, type NatsConnection, nanos } from 'nats';
import type { Logger } from 'pino';

/** The agent's settings (agent/src/queue/job-consumer.ts); both sides must add identical consumers. */
const ackWaitMs = 30_000;

export class JobConsumers {
  private readonly added = new Set<string>();
  private manager: JetStreamManager | undefined;

  constructor(
    private readonly connection: NatsConnection,
    private readonly log: Logger,
  ) {}

  /**
   * Adds the consumer of each queue this process has not added since the last
   * forget(). Idempotent; rejects when NATS does not answer (the caller retries).
   */
  async ensure(queues: Iterable<string>): Promise<void> {
    const missing = [...new Set(queues)].filter((queue) => !this.added.has(queue));
    if (missing.length === 0) return;
    this.manager ??= await this.connection.jetstreamManager();
    const manager = this.manager;
    await Promise.all(
      missing.map(async (queue) => {
        await addConsumer(manager, queue);
        this.added.add(queue);
        this.log.debug({ queue }, 'job consumer ready');
      }),
    );
  }

  /** After the stream was created again: its consumers went with the old one. */
  forget(): void {
    this.added.clear();
  }
}

/** The queue an offer subject (`gantry.jobs.<queue>`) is for. */
export function queueOfSubject(subject: string): string {
  return subject.slice(natsTopology.jobsSubjectPrefix.length);
}

async function addConsumer(manager: JetStreamManager, queue: string): Promise<void> {
  const durable = natsTopology.jobsConsumer(queue);
  try {
    await manager.consumers.add(natsTopology.jobsStream, {
      durable_name: durable,
      filter_subject: natsTopology.jobsSubject(queue),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ackWaitMs),
      max_deliver: -1,
    });
  } catch (error) {
    // Added earlier with other settings (an older agent): use it as it is.
    await manager.consumers.info(natsTopology.jobsStream, durable).catch(() => {
      throw error;
    });
  }
}
