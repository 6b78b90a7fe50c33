/**
 * A throwaway nats-server (JetStream) for integration tests, on a free port
 * with its store in a fresh temp dir that stop() deletes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsClusterMembership, type NatsServerProcess, startNatsServer } from '@gantry/common';

export interface NatsServer extends NatsServerProcess {
  /** The JetStream store (and nats-server.log). */
  readonly storeDir: string;
}

/** One nats-server; with `cluster`, a node of that cluster (see nats-cluster.ts). */
export async function startNats(options: { cluster?: NatsClusterMembership } = {}): Promise<NatsServer> {
  const storeDir = await mkdtemp(join(tmpdir(), 'gantry-nats-'));
  const server = await startNatsServer({ storeDir, ...(options.cluster ? { cluster: options.cluster } : {}) });
  return {
    storeDir,
    url: server.url,
    port: server.port,
    get pid() {
      return server.pid;
    },
    kill9: () => server.kill9(),
    restart: () => server.restart(),
    async stop() {
      await server.stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
