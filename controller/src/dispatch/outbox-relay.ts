/**
 * Publishes outbox rows to JetStream, each with `Nats-Msg-Id` = its msgId so
 * that a second publish of a row (after a crash, or by two relays) is
 * deduplicated by the stream.
 *
 * Two ways in. The writer of rows hands them over right after its commit
 * (publishCommitted): they are published from memory at once, then marked,
 * without being read back. The loop (run) takes unpublished rows from the
 * table, oldest first, with SKIP LOCKED so several replicas' relays share
 * them: rows written by another replica's writer, re-offers, and rows whose
 * hand-over failed or never came (a controller stopped between its commit and
 * the publish). A row both ways publish is stored once (same msgId within the
 * stream's duplicate window), and claims are conditional anyway.
 */
import type { JetStreamClient } from 'nats';
import type { Logger } from 'pino';
import type { Database } from '../store/database.js';
import { markPublished, type OutboxMessage, takeUnpublished } from '../store/outbox-repository.js';

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
  /** Hand-overs being published or marked (run() waits for them before it resolves). */
  private readonly handedOver = new Set<Promise<void>>();
  /** Ids published from hand-overs and not yet marked; one mark statement at a time takes them all. */
  private unmarked: number[] = [];
  private marking: Promise<void> | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 256;
  }

  /** Asks the relay to publish now. Cheap; safe to call often. */
  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  /**
   * Publishes rows a transaction wrote, once it committed, without reading
   * them back; then marks them (marks coalesce: while one statement is out,
   * the next collects every row published meanwhile). Never throws: a row
   * that could not be published is left to the loop, woken for it.
   */
  publishCommitted(rows: readonly OutboxMessage[]): void {
    if (rows.length === 0) return;
    const work = this.publishHandedOver(rows);
    this.handedOver.add(work);
    void work.finally(() => this.handedOver.delete(work));
  }

  private async publishHandedOver(rows: readonly OutboxMessage[]): Promise<void> {
    const { log } = this.options;
    try {
      await this.publishRows(rows);
    } catch (error) {
      log.warn({ err: error, rows: rows.length }, 'outbox publish after commit failed; the relay retries');
      await this.options.onPublishFailed?.();
      this.wake();
      return;
    }
    this.unmarked.push(...rows.map((row) => row.id));
    try {
      await this.markHandedOver();
    } catch (error) {
      // Published but unmarked: the loop publishes them again, and the stream drops the copies.
      log.warn({ err: error }, 'cannot mark published outbox rows; the relay takes them again');
      this.wake();
    }
  }

  /** Runs until `signal` aborts. Resolves after the last batch in flight finished, hand-overs included. */
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
    while (this.handedOver.size > 0) await Promise.all(this.handedOver);
  }

  /** Marks every row published from hand-overs so far; one statement at a time. */
  private async markHandedOver(): Promise<void> {
    while (this.marking) await this.marking;
    const ids = this.unmarked;
    if (ids.length === 0) return;
    this.unmarked = [];
    // Unmarked rows are published already: at worst the loop publishes them again, and the stream drops that.
    this.marking = markPublished(this.options.db, ids).finally(() => {
      this.marking = undefined;
    });
    await this.marking;
  }

  private async publishRows(rows: readonly OutboxMessage[]): Promise<void> {
    await this.options.beforePublish?.(rows.map((row) => row.subject));
    await Promise.all(
      rows.map((row) =>
        this.options.jetstream.publish(row.subject, this.encoder.encode(JSON.stringify(row.payload)), {
          msgID: row.msgId,
          timeout: 5000,
        }),
      ),
    );
  }

  /** Publishes one batch; returns how many rows were published. */
  async publishBatch(): Promise<number> {
    return this.options.db.transaction(async (tx) => {
      const rows = await takeUnpublished(tx, this.batchSize);
      if (rows.length === 0) return 0;
      await this.publishRows(rows);
      await markPublished(
        tx,
        rows.map((row) => row.id),
      );
      return rows.length;
    });
  }
}
