/**
 * Publishes outbox rows to JetStream, oldest first, each with
 * `Nats-Msg-Id` = its msgId so a re-publish after a crash is deduplicated.
 * Woken in-process right after a commit that wrote rows; polls as a fallback
 * (rows written by another replica, or a publish that failed). Several
 * replicas may run relays: rows are taken with SKIP LOCKED.
 */
import type { JetStreamClient } from 'nats';
import type { Logger } from 'pino';
import type { Database } from '../store/database.js';
import { markPublished, takeUnpublished } from '../store/outbox-repository.js';

export interface OutboxRelayOptions {
  db: Database;
  jetstream: JetStreamClient;
  log: Logger;
  pollIntervalMs?: number;
  batchSize?: number;
  /** Called after a batch failed to publish (the jobs stream may be gone), before the retry. Must not throw. */
  onPublishFailed?: () => Promise<void>;
  /** Called with a batch's subjects before it is published (adds their queues' consumers). A rejection fails the batch. */
  beforePublish?: (subjects: string[]) => Promise<void>;
}

export class OutboxRelay {
  private wakeUp: (() => void) | null = null;
  private pending = false;
  private readonly encoder = new TextEncoder();

  private readonly batchSize: number;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 256;
  }

  /** Asks the relay to publish now. Cheap; safe to call often. */
  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  /** Runs until `signal` aborts. Resolves after the last batch in flight finished. */
  async run(signal: AbortSignal): Promise<void> {
    const pollMs = this.options.pollIntervalMs ?? 1000;
    while (!signal.aborted) {
      this.pending = false;
      let published = 0;
      try {
        published = await this.publishBatch();
      } catch (error) {
        this.options.log.warn({ err: error }, 'outbox publish failed; will retry');
        await this.options.onPublishFailed?.();
      }
      // A batch short of full took every row there was; rows committed since then woke us (`pending`).
      if (published === this.batchSize || this.pending) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollMs);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        this.wakeUp = done;
        signal.addEventListener('abort', done, { once: true });
      });
      this.wakeUp = null;
    }
  }

  /** Publishes one batch; returns how many rows were published. */
  async publishBatch(): Promise<number> {
    const { db, jetstream } = this.options;
    return db.transaction(async (tx) => {
      const rows = await takeUnpublished(tx, this.batchSize);
      if (rows.length === 0) return 0;
      await this.options.beforePublish?.(rows.map((row) => row.subject));
      await Promise.all(
        rows.map((row) =>
          jetstream.publish(row.subject, this.encoder.encode(JSON.stringify(row.payload)), {
            msgID: row.msgId,
            timeout: 5000,
          }),
        ),
      );
      await markPublished(
        tx,
        rows.map((row) => row.id),
      );
      return rows.length;
    });
  }
}
