/**
 * The controller's NATS connection and the JetStream topology it owns: stream
 * GANTRY_JOBS (WorkQueue retention, file storage) over `gantry.jobs.>`.
 * Reconnects without a cap and pings often (nats.js defaults
 * give up after ~20 s and ping every 2 min).
 */
import { connect, type JetStreamClient, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { ensureJobsStreamPatiently } from './jobs-stream.js';

export interface ControllerNats {
  connection: NatsConnection;
  jetstream: JetStreamClient;
  /** Resolves once the server answered a PING; rejects when the connection is closed. Waits during a reconnect. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class NatsUnavailableError extends Error {
  override readonly name = 'NatsUnavailableError';
  readonly code = 'NATS_UNAVAILABLE';
}

/** How the controller proves itself to NATS and checks the server (GANTRY_NATS_USER / _PASSWORD, GANTRY_CA). */
export interface NatsClientOptions {
  user?: string | undefined;
  password?: string | undefined;
  /** PEM CA file that signs the servers' certificates (`tls://` URLs). */
  caFile?: string | undefined;
}

/**
 * Connects to any of `servers` (a cluster's members; nats.js moves to another
 * when one goes away) and makes sure the jobs stream exists with `jobsReplicas`.
 */
export async function connectNats(
  servers: string[],
  jobsReplicas: number,
  log: Logger,
  client: NatsClientOptions = {},
): Promise<ControllerNats> {
  const url = servers.join(',');
  let connection: NatsConnection;
  try {
    connection = await connect({
      servers,
      name: 'gantry-controller',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 10_000,
      maxPingOut: 3,
      timeout: 10_000,
      // No stack captured at each request (two Errors per JetStream publish or ack, about a
      // fifth of a publish's CPU): a timeout still says what timed out.
      noAsyncTraces: true,
      ...(client.user ? { user: client.user, pass: client.password ?? '' } : {}),
      ...(client.caFile && servers.some((server) => server.startsWith('tls://'))
        ? { tls: { caFile: client.caFile } }
        : {}),
    });
  } catch (error) {
    throw new NatsUnavailableError(`cannot connect to NATS at ${url}: ${(error as Error).message}`, { cause: error });
  }
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') log.warn({ nats: status.type }, 'nats status');
    }
  })();
  try {
    await ensureJobsStreamPatiently(connection, jobsReplicas, log);
  } catch (error) {
    await connection.close().catch(() => {});
    throw new NatsUnavailableError(
      `cannot create the jobs stream with ${jobsReplicas} replicas (GANTRY_JOBS_REPLICAS) at ${url}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return {
    connection,
    jetstream: connection.jetstream(),
    ping: async () => {
      if (connection.isClosed()) throw new NatsUnavailableError('connection closed');
      await connection.flush();
    },
    // drain() needs the server: with it gone (stopped first, or down) drain() returns with the
    // client still reconnecting, which would keep the controller's process alive for good.
    close: async () => {
      await connection.drain().catch(() => {});
      if (!connection.isClosed()) await connection.close();
    },
  };
}
