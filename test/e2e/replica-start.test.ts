/**
 * Controller replicas starting together on one fresh database: migrations are
 * serialised by an advisory lock, so every replica starts and each migration
 * is applied exactly once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ControllerProcess,
  freshDatabase,
  type NatsServer,
  startController,
  startNats,
} from '../src/harness/index.js';

const REPLICAS = 10;
const journal = new URL('../../migrations/meta/_journal.json', import.meta.url);

const started: ControllerProcess[] = [];
let nats: NatsServer | undefined;
let dir: string | undefined;
afterAll(async () => {
  await Promise.allSettled(started.map((controller) => controller.stop()));
  await nats?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('controller replicas starting at once', () => {
  it(`starts ${REPLICAS} controllers together on a fresh database and applies each migration once`, async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-replicas-'));
    nats = await startNats();
    const databaseUrl = await freshDatabase();
    const adminToken = `admin-${randomBytes(12).toString('hex')}`;
    const agentToken = `agent-${randomBytes(12).toString('hex')}`;
    const natsUrl = nats.url;
    const outcomes = await Promise.allSettled(
      Array.from({ length: REPLICAS }, (_, index) =>
        startController({
          databaseUrl,
          natsUrl,
          dataDir: join(dir as string, `controller-${index}`),
          adminToken,
          agentToken,
          startTimeoutMs: 110_000,
        }).then((controller) => {
          started.push(controller);
          return controller;
        }),
      ),
    );
    const failures = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [(outcome.reason as Error).message] : [],
    );
    expect(failures).toEqual([]);
    expect(started).toHaveLength(REPLICAS);

    const { entries } = JSON.parse(await readFile(journal, 'utf8')) as { entries: unknown[] };
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ hash: string; applied: number }>(
        'select hash, count(*)::int as applied from drizzle.__drizzle_migrations group by hash',
      );
      expect(rows).toHaveLength(entries.length);
      expect(rows.every((row) => row.applied === 1)).toBe(true);
    } finally {
      await client.end();
    }
    for (const controller of started) expect(controller.logs()).not.toContain('MaxListenersExceededWarning');
  });
});
