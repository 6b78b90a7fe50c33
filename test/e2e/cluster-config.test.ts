/**
 * Cluster-ready settings on real processes: a list of NATS servers (any live
 * one serves), the jobs stream's replicas, and tokens that every replica on
 * one database must share.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../src/harness/free-port.js';
import {
  type ControllerProcess,
  freshDatabase,
  type NatsServer,
  startController,
  startNats,
} from '../src/harness/index.js';

let nats: NatsServer;
let dir: string;
const tokens = {
  adminToken: `admin-${randomBytes(12).toString('hex')}`,
  agentToken: `agent-${randomBytes(12).toString('hex')}`,
};
beforeAll(async () => {
  nats = await startNats();
  dir = await mkdtemp(join(tmpdir(), 'gantry-cluster-config-'));
});
afterAll(async () => {
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The start-up failure's message; a controller that started after all is stopped and reported as such. */
async function failureOf(start: Promise<ControllerProcess>): Promise<string> {
  return start.then(
    async (controller) => {
      await controller.stop();
      return 'the controller started';
    },
    (error: Error) => error.message,
  );
}

describe('cluster configuration', () => {
  it('connects through whichever server of GANTRY_NATS_URL answers', async () => {
    const deadServer = `nats://127.0.0.1:${await findFreePort()}`;
    const controller = await startController({
      databaseUrl: await freshDatabase(),
      natsUrl: `${deadServer},${nats.url}`,
      dataDir: join(dir, 'list'),
      ...tokens,
    });
    try {
      const connection = await connect({ servers: nats.url });
      try {
        const info = await (await connection.jetstreamManager()).streams.info('GANTRY_JOBS');
        expect(info.config.num_replicas).toBe(1);
      } finally {
        await connection.close();
      }
    } finally {
      await controller.stop();
    }
  });

  it('refuses to start when the stream cannot have GANTRY_JOBS_REPLICAS replicas, saying why', async () => {
    // A server of its own, where the stream does not exist yet: one nats-server is no cluster.
    const standalone = await startNats();
    try {
      const start = startController({
        databaseUrl: await freshDatabase(),
        natsUrl: standalone.url,
        dataDir: join(dir, 'replicas'),
        ...tokens,
        env: { GANTRY_JOBS_REPLICAS: '3' },
      });
      expect(await failureOf(start)).toMatch(
        /cannot create the jobs stream with 3 replicas \(GANTRY_JOBS_REPLICAS\).*not supported in non-clustered mode/,
      );
    } finally {
      await standalone.stop();
    }
  });

  it('refuses to start on PostgreSQL without shared tokens', async () => {
    const start = startController({
      databaseUrl: await freshDatabase(),
      natsUrl: nats.url,
      dataDir: join(dir, 'tokens'),
    });
    expect(await failureOf(start)).toMatch(/GANTRY_ADMIN_TOKEN: required with DATABASE_URL/);
  });
});
