/**
 * The controller's NATS connection and the JetStream topology it owns: stream
 * GANTRY_JOBS (WorkQueue retention, file storage) over `gantry.jobs.>`.
 * Reconnects without a cap and pings often (FIELD-NOTES: nats.js defaults
 * give up after ~20 s and ping every 2 min).
 */
import { natsTopology } from '@gantry/proto';
import { connect, DiscardPolicy, type JetStreamClient, type NatsConnection, RetentionPolicy, StorageType } from 'nats';
import type { Logger } from 'pino';

export interface ControllerNats {
  connection: NatsConnection;
  jetstream: JetStreamClient;
  close(): Promise<void>;
}

export class NatsUnavailableError extends Error {
  override readonly name = 'NatsUnavailableError';
  readonly code = 'NATS_UNAVAILABLE';
}

export async function connectNats(url: string, log: Logger): Promise<ControllerNats> {
  let connection: NatsConnection;
  try {
    connection = await connect({
      servers: url,
      name: 'gantry-controller',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 10_000,
      maxPingOut: 3,
      timeout: 10_000,
    });
  } catch (error) {
    throw new NatsUnavailableError(`cannot connect to NATS at ${url}: ${(error as Error).message}`, { cause: error });
  }
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') log.warn({ nats: status.type }, 'nats status');
    }
  })();
  await ensureJobsStream(connection);
  return {
    connection,
    jetstream: connection.jetstream(),
    close: () => connection.drain(),
  };
}

/** Creates the jobs stream, or leaves an existing one as it is. Idempotent. */
export async function ensureJobsStream(connection: NatsConnection): Promise<void> {
  const manager = await connection.jetstreamManager();
  const config = {
    name: natsTopology.jobsStream,
    subjects: [`${natsTopology.jobsSubjectPrefix}>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: 120 * 1_000_000_000,
  };
  try {
    await manager.streams.info(natsTopology.jobsStream);
  } catch {
    await manager.streams.add(config);
  }
}
