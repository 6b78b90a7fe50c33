/**
 * The agent's NATS connection: reconnects forever, pings every 10 s so a dead
 * server is noticed quickly, and logs every disconnect/reconnect. Connecting
 * retries with backoff until the server answers or the signal aborts.
 */

import { backoffDelayMs, natsAgentInboxPrefix } from '@gantry/common';
import { connect, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { sleep } from '../sleep.js';

export interface NatsConnectOptions {
  /** Comma-separated server URLs. */
  url: string;
  /** Connection name shown by the server (`gantry-agent-<name>`). */
  name: string;
  /** NATS user and password; with a user, replies come under its own inbox prefix, the only one it may subscribe to. */
  user?: string | undefined;
  password?: string | undefined;
  /** PEM CA file that signs the servers' certificates; used for `tls://` URLs. */
  caFile?: string | undefined;
  logger: Logger;
  signal: AbortSignal;
}

export async function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  const { url, name, user, password, caFile, logger, signal } = options;
  const servers = url.split(',').map((s) => s.trim());
  for (let attempt = 1; ; attempt++) {
    try {
      const nc = await connect({
        servers,
        name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1000,
        pingInterval: 10_000,
        maxPingOut: 2,
        // No stack captured at each request (two Errors per JetStream publish or ack, about a
        // fifth of a publish's CPU): a timeout still says what timed out.
        noAsyncTraces: true,
        ...(user ? { user, pass: password ?? '', inboxPrefix: natsAgentInboxPrefix(user) } : {}),
        // The CA also checks the controller; it makes NATS use TLS only when the URLs ask for it.
        ...(caFile && servers.some((server) => server.startsWith('tls://')) ? { tls: { caFile } } : {}),
      });
      watchStatus(nc, logger);
      return nc;
    } catch (error) {
      const delayMs = backoffDelayMs(attempt, { initialDelayMs: 200, maxDelayMs: 5000 });
      logger.warn({ attempt, delayMs, err: (error as Error).message, servers }, 'nats connect failed, retrying');
      await sleep(delayMs, signal);
    }
  }
}

async function watchStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === 'disconnect') logger.warn({ server: status.data }, 'nats disconnected');
    else if (status.type === 'reconnect') logger.info({ server: status.data }, 'nats reconnected');
    else if (status.type === 'error') logger.error({ err: String(status.data) }, 'nats error');
  }
}

/** Whether `nc` is connected now (after a `disconnect` event, until `reconnect`); for metrics and /healthz. */
export function trackNatsConnected(nc: NatsConnection): () => boolean {
  let connected = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') connected = false;
      else if (status.type === 'reconnect') connected = true;
    }
  })();
  return () => connected && !nc.isClosed();
}
