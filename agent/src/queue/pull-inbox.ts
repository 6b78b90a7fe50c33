/**
 * Pull requests to one durable JetStream consumer, answered on one
 * long-lived inbox subscription.
 *
 * nats.js's `consumer.fetch()` subscribes a new inbox for every pull and
 * unsubscribes it at the end: with one offer per pull, four writes to the
 * server per job (SUB, the request, UNSUB, the ack), and in a cluster a
 * subscription change that every route hears about. Here a pull that ended
 * cleanly (its batch delivered, or the server's 408 when it expired) leaves
 * the inbox in place for the next one, so a job costs the request and the
 * ack. The inbox is given up, and a new one made for the next pull, whenever
 * the server may still hold a request on it: a pull withdrawn before its end,
 * one the server refused, and one that outlived its expiry without an answer
 * (a server that restarted or lost the consumer, or a connection that is
 * down: then the pull fails with PullUnansweredError).
 *
 * At most one pull is outstanding at a time (pull() refuses a second), so
 * every status on the inbox belongs to it.
 */
import { jetStreamPullSubject } from '@gantry/common';
import { createInbox, type Msg, type NatsConnection, nanos, type Subscription } from 'nats';

/** An offer delivered by a pull; each settle method publishes to its reply subject. */
export interface PulledMessage {
  readonly data: Uint8Array;
  ack(): void;
  /** Redeliver after `delayMs` (to any consumer). */
  nak(delayMs?: number): void;
  /** Never redeliver. */
  term(): void;
}

export interface PullInboxOptions {
  nc: NatsConnection;
  stream: string;
  consumer: string;
  /** Prefix of the inbox (with NATS users, the only subjects the agent may subscribe to). */
  inboxPrefix?: string | undefined;
  /** Every delivered message, in order. */
  onMessage: (message: PulledMessage) => void;
}

/** How one pull ended. */
export interface PullOutcome {
  delivered: number;
}

/** An error status the server answered a pull with. */
export class PullRefusedError extends Error {
  constructor(
    readonly code: number,
    description: string,
  ) {
    super(description);
    this.name = 'PullRefusedError';
  }
}

/** No answer from the server by the pull's expiry (and a grace): the request, or the consumer, is lost. */
export class PullUnansweredError extends Error {
  constructor() {
    super('pull not answered by its expiry');
    this.name = 'PullUnansweredError';
  }
}

/** Time past a pull's expiry after which its missing 408 counts as a lost request. */
const lostRequestGraceMs = 2_000;

interface Outstanding {
  batch: number;
  delivered: number;
  timer: NodeJS.Timeout;
  resolve(outcome: PullOutcome): void;
  reject(error: Error): void;
}

export class PullInbox {
  readonly #options: PullInboxOptions;
  readonly #nextSubject: string;
  #subscription: Subscription | undefined;
  #inbox = '';
  #outstanding: Outstanding | undefined;

  constructor(options: PullInboxOptions) {
    this.#options = options;
    this.#nextSubject = jetStreamPullSubject(options.stream, options.consumer);
  }

  /**
   * Asks for up to `batch` messages, waiting at most `expiresMs` for them.
   * Resolves with how many came once the batch is complete, the server
   * expired the request, or withdraw() was called; rejects with
   * PullRefusedError on an error status (409 "consumer deleted", 503 "no
   * responders": the consumer or its stream is missing), and with
   * PullUnansweredError when nothing ended it by `expiresMs` and a grace.
   */
  pull(batch: number, expiresMs: number): Promise<PullOutcome> {
    if (this.#outstanding) throw new Error('a pull is already outstanding');
    this.#subscribe();
    return new Promise<PullOutcome>((resolve, reject) => {
      const unanswered = () => this.#end({ error: new PullUnansweredError(), dropInbox: true });
      const timer = setTimeout(unanswered, expiresMs + lostRequestGraceMs);
      this.#outstanding = { batch, delivered: 0, timer, resolve, reject };
      const request = JSON.stringify({ batch, expires: nanos(expiresMs) });
      try {
        this.#options.nc.publish(this.#nextSubject, request, { reply: this.#inbox });
      } catch (error) {
        this.#end({ error: error as Error, dropInbox: true });
      }
    });
  }

  /**
   * Ends the outstanding pull now (resolving it with what came) and gives up
   * its inbox, so that nothing more arrives for it. No-op without one.
   */
  withdraw(): void {
    if (this.#outstanding) this.#end({ dropInbox: true });
  }

  /** Withdraws the outstanding pull and unsubscribes. */
  close(): void {
    this.withdraw();
    this.#dropInbox();
  }

  #subscribe(): void {
    if (this.#subscription) return;
    this.#inbox = createInbox(this.#options.inboxPrefix);
    this.#subscription = this.#options.nc.subscribe(this.#inbox, {
      callback: (error, msg) => {
        // A permissions error ends the subscription on the server's side.
        if (error) this.#end({ error, dropInbox: true });
        else this.#receive(msg);
      },
    });
  }

  #dropInbox(): void {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    try {
      subscription?.unsubscribe();
    } catch {
      // A connection closed for good: the server forgot the subscription with it.
    }
  }

  #receive(msg: Msg): void {
    if (msg.subject === this.#inbox) {
      this.#status(msg);
      return;
    }
    const outstanding = this.#outstanding;
    if (outstanding) {
      outstanding.delivered++;
      // Ended before the message is handed on: taking the agent's last slot withdraws only a pull with more to come.
      if (outstanding.delivered >= outstanding.batch) this.#end({});
    }
    this.#options.onMessage(toPulledMessage(this.#options.nc, msg));
  }

  /** A status line from the server, for the outstanding pull. */
  #status(msg: Msg): void {
    const code = msg.headers?.code ?? 0;
    const description = (msg.headers?.description ?? '').toLowerCase();
    // 100: an idle heartbeat (not asked for, but harmless).
    if (code === 100 || !this.#outstanding) return;
    // 408: the request expired (the pending counts it carries are what never came); 404: nothing to deliver.
    if (code === 408 || code === 404) {
      this.#end({});
      return;
    }
    const message = code === 503 ? 'no responders' : description || `status ${code}`;
    this.#end({ error: new PullRefusedError(code, message), dropInbox: true });
  }

  #end({ error, dropInbox = false }: { error?: Error; dropInbox?: boolean }): void {
    const outstanding = this.#outstanding;
    this.#outstanding = undefined;
    if (dropInbox) this.#dropInbox();
    if (!outstanding) return;
    clearTimeout(outstanding.timer);
    if (error) outstanding.reject(error);
    else outstanding.resolve({ delivered: outstanding.delivered });
  }
}

const ackBody = new TextEncoder().encode('+ACK');
const termBody = new TextEncoder().encode('+TERM');
const nakBody = new TextEncoder().encode('-NAK');

function toPulledMessage(nc: NatsConnection, msg: Msg): PulledMessage {
  const reply = msg.reply ?? '';
  return {
    data: msg.data,
    ack: () => nc.publish(reply, ackBody),
    nak: (delayMs) =>
      nc.publish(
        reply,
        delayMs ? new TextEncoder().encode(`-NAK ${JSON.stringify({ delay: nanos(delayMs) })}`) : nakBody,
      ),
    term: () => nc.publish(reply, termBody),
  };
}
