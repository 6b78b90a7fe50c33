/**
 * Counts the job offers the GANTRY_JOBS stream holds for one queue (not yet
 * delivered, or delivered and not yet acked). The reaper compares it with the
 * queued jobs to find offers lost inside NATS.
 */
import { natsTopology } from '@gantry/proto';
import type { NatsConnection } from 'nats';

export function createOfferCounter(connection: NatsConnection): (queue: string) => Promise<number> {
  let manager: Awaited<ReturnType<NatsConnection['jetstreamManager']>> | undefined;
  return async (queue) => {
    manager ??= await connection.jetstreamManager();
    const subject = natsTopology.jobsSubject(queue);
    const info = await manager.streams.info(natsTopology.jobsStream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  };
}
