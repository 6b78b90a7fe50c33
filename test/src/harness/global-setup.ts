/**
 * Vitest global setup of the `integration` project: one Postgres server and one
 * nats-server for the whole run, handed to tests through `inject()`. Tests take
 * a database of their own with `freshDatabase()`; NATS is shared, so tests use
 * their own stream or subject names.
 */
import type { TestProject } from 'vitest/node';
import { startNats } from './nats.js';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `postgres://postgres@127.0.0.1:PORT/postgres`: the server's maintenance database; do not build in it. */
    postgresUrl: string;
    /** `nats://127.0.0.1:PORT` of the shared JetStream server. */
    natsUrl: string;
  }
}

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [postgresResult, natsResult] = await Promise.allSettled([startPostgres(), startNats()]);
  if (postgresResult.status === 'rejected') {
    if (natsResult.status === 'fulfilled') await natsResult.value.stop();
    throw postgresResult.reason;
  }
  if (natsResult.status === 'rejected') {
    await postgresResult.value.stop();
    throw natsResult.reason;
  }
  const postgres = postgresResult.value;
  const nats = natsResult.value;
  project.provide('postgresUrl', postgres.url);
  project.provide('natsUrl', nats.url);
  return async () => {
    await Promise.all([postgres.stop(), nats.stop()]);
  };
}
