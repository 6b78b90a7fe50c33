/**
 * The relay on PGlite with a recording JetStream: rows handed over after
 * their commit are published without the loop and marked; a hand-over whose
 * publish fails is left to the loop, which it wakes; stopping the relay waits
 * for hand-overs still publishing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { JetStreamClient } from 'nats';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OpenDatabase, queryRows } from '../store/database.js';
import type { OutboxMessage } from '../store/outbox-repository.js';
import { openTestDatabase } from '../testing/test-database.js';
import { OutboxRelay } from './outbox-relay.js';

/** Records publishes; `gate`, when set, holds each publish until it resolves; `refuse` fails the next ones. */
class RecordingJetStream {
  readonly published: string[] = [];
  refuse = 0;
  gate: Promise<void> | undefined;

  asClient(): JetStreamClient {
    return {
      publish: async (_subject: string, _data: Uint8Array, options: { msgID: string }) => {
        await this.gate;
        if (this.refuse > 0) {
          this.refuse--;
          throw new Error('no responders available for request');
        }
        this.published.push(options.msgID);
        return { seq: this.published.length, duplicate: false, stream: 'JOBS' };
      },
    } as unknown as JetStreamClient;
  }
}

/**
 * How long a test waits for the rows to be marked (expect.poll's default is
 * 1 s: a loaded machine takes longer for a publish and a database statement).
 */
const markedWithinMs = 20_000;

describe('OutboxRelay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-outbox-relay-'));
  let database: OpenDatabase;
  let nextId = 0;

  /** Commits `count` offers as queueJobs writes them. */
  const commitOffers = async (count: number): Promise<OutboxMessage[]> => {
    const rows = await database.db.transaction(async (tx) => {
      const written: OutboxMessage[] = [];
      for (let i = 0; i < count; i++) {
        const jobId = `job-${++nextId}`;
        const [row] = await queryRows<{ id: number }>(
          tx,
          sql`insert into outbox (subject, msg_id, payload)
            values ('gantry.jobs.default', ${`${jobId}.1`}, ${JSON.stringify({ jobId, attempt: 1, runId: 'r' })}::jsonb)
            returning id`,
        );
        const payload = { jobId, attempt: 1, runId: 'r' };
        written.push({ id: Number(row?.id), subject: 'gantry.jobs.default', msgId: `${jobId}.1`, payload });
      }
      return written;
    });
    return rows;
  };
  const unpublished = async () =>
    (
      await queryRows<{ msg_id: string }>(
        database.db,
        sql`select msg_id from outbox where published_at is null order by id`,
      )
    ).map((row) => row.msg_id);
  const relayWith = (jetstream: RecordingJetStream) =>
    new OutboxRelay({
      db: database.db,
      jetstream: jetstream.asClient(),
      log: pino({ level: 'silent' }),
      // Only a wake-up moves the loop in these tests.
      pollIntervalMs: 3_600_000,
    });

  beforeAll(async () => {
    database = await openTestDatabase(join(dir, 'pglite'));
  }, 60_000);

  beforeEach(async () => {
    await database.db.execute(sql`delete from outbox`);
  });

  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes rows handed over after their commit without its loop, and marks them', async () => {
    const jetstream = new RecordingJetStream();
    const relay = relayWith(jetstream);
    const first = await commitOffers(3);
    const second = await commitOffers(2);
    relay.publishCommitted(first);
    relay.publishCommitted(second);
    await expect.poll(unpublished, { timeout: markedWithinMs }).toEqual([]);
    expect(jetstream.published.sort()).toEqual([...first, ...second].map((row) => row.msgId).sort());
  });

  it('leaves a hand-over whose publish failed to its loop, which publishes it', async () => {
    const jetstream = new RecordingJetStream();
    const lines: string[] = [];
    const relay = new OutboxRelay({
      db: database.db,
      jetstream: jetstream.asClient(),
      log: pino({}, { write: (line: string) => lines.push(line) }),
      // Only a wake-up (or its first pass) moves the loop.
      pollIntervalMs: 3_600_000,
    });
    const stop = new AbortController();
    const running = relay.run(stop.signal);
    jetstream.refuse = 1;
    const rows = await commitOffers(1);
    relay.publishCommitted(rows);
    await expect.poll(unpublished, { timeout: markedWithinMs }).toEqual([]);
    expect(jetstream.published).toEqual(rows.map((row) => row.msgId));
    expect(lines.some((line) => line.includes('outbox publish after commit failed'))).toBe(true);
    stop.abort();
    await running;
  });

  it('stops only once the hand-overs still publishing are done', async () => {
    const jetstream = new RecordingJetStream();
    let release = () => {};
    jetstream.gate = new Promise((resolve) => {
      release = resolve;
    });
    const relay = relayWith(jetstream);
    const stop = new AbortController();
    const running = relay.run(stop.signal);
    const rows = await commitOffers(2);
    relay.publishCommitted(rows);
    stop.abort();
    let stopped = false;
    void running.then(() => {
      stopped = true;
    });
    // The hand-over waits at the gate, and the relay with it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await running;
    expect(await unpublished()).toEqual([]);
    expect(new Set(jetstream.published)).toEqual(new Set(rows.map((row) => row.msgId)));
  });
});
