/**
 * A NATS cluster on loopback for tests: N nats-server processes with JetStream,
 * each routed to the others, resolved once JetStream can place a stream on
 * every node. Clients take `url`, every node's address separated by commas.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { findFreePort } from './free-port.js';
import { type NatsServer, startNats } from './nats.js';

export interface NatsCluster {
  /** `nats://127.0.0.1:P1,nats://127.0.0.1:P2,…`: every node. */
  readonly url: string;
  readonly nodes: NatsServer[];
  /** Stops every node and deletes their stores. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

export async function startNatsCluster(size: number): Promise<NatsCluster> {
  const name = `gantry-${randomBytes(3).toString('hex')}`;
  // findFreePort() never hands out a port twice, so the route ports are distinct.
  const routePorts: number[] = [];
  for (let node = 0; node < size; node++) routePorts.push(await findFreePort());
  const routes = routePorts.map((port) => `nats://127.0.0.1:${port}`);
  const started = await Promise.allSettled(
    routePorts.map((port, index) => startNats({ cluster: { name, serverName: `${name}-${index + 1}`, port, routes } })),
  );
  const nodes = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const stop = async () => {
    await Promise.allSettled(nodes.map((node) => node.stop()));
  };
  const failed = started.find((outcome) => outcome.status === 'rejected');
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  const url = nodes.map((node) => node.url).join(',');
  try {
    await waitForJetStream(url, size);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, nodes, stop };
}

/** Resolves once a stream with `replicas` copies can be created (a meta leader is elected, every peer known). */
async function waitForJetStream(url: string, replicas: number): Promise<void> {
  const connection = await connect({ servers: url.split(','), maxReconnectAttempts: -1 });
  const probe = `CLUSTER_PROBE_${randomBytes(3).toString('hex')}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last: unknown;
  try {
    while (Date.now() < deadline) {
      try {
        const manager = await connection.jetstreamManager();
        await manager.streams.add({ name: probe, subjects: [`${probe}.>`], num_replicas: replicas });
        await manager.streams.delete(probe);
        return;
      } catch (error) {
        last = error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    throw new Error(
      `NATS cluster ${url}: JetStream not ready within ${READY_TIMEOUT_MS} ms: ${(last as Error)?.message}`,
    );
  } finally {
    await connection.close();
  }
}
