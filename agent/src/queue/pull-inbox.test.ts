/**
 * PullInbox against a real nats-server: what each pull delivers and how it
 * ends, when its inbox is kept and when it is given up, and how offers are
 * settled.
 */
import { AckPolicy, type ConsumerInfo, RetentionPolicy, StorageType } from 'nats';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useNatsServer } from '../testing/nats-fixture.js';
import { type PulledMessage, PullInbox, PullRefusedError, PullUnansweredError } from './pull-inbox.js';

const stream = 'PULL_TEST';
const consumer = 'pullers';
const subject = 'pull.test';

const nats = useNatsServer();

beforeEach(async () => {
  await nats.jsm.streams.add({
    name: stream,
    subjects: [subject],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.Memory,
  });
  await nats.jsm.consumers.add(stream, { durable_name: consumer, ack_policy: AckPolicy.Explicit, ack_wait: 30e9 });
});
afterEach(async () => {
  await nats.jsm.streams.delete(stream);
});

async function publish(...bodies: string[]): Promise<void> {
  const js = nats.nc.jetstream();
  for (const body of bodies) await js.publish(subject, body);
}

/** A PullInbox whose messages are collected (as text) and settled by `settle`. */
function collectingInbox(settle: (message: PulledMessage) => void = (message) => message.ack()) {
  const received: string[] = [];
  const inbox = new PullInbox({
    nc: nats.nc,
    stream,
    consumer,
    onMessage: (message) => {
      received.push(new TextDecoder().decode(message.data));
      settle(message);
    },
  });
  return { inbox, received };
}

/** Resolves once the consumer's state satisfies `ready` (the server settles acks in the background). */
async function consumerState(ready: (info: ConsumerInfo) => boolean): Promise<void> {
  while (!ready(await nats.jsm.consumers.info(stream, consumer))) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves once the consumer holds `count` waiting pull requests. */
const waitingPulls = (count: number) => consumerState((info) => info.num_waiting === count);

describe('PullInbox', { timeout: 20_000 }, () => {
  it('delivers a batch in order and keeps its inbox for the next pulls', async () => {
    const subscribe = vi.spyOn(nats.nc, 'subscribe');
    const { inbox, received } = collectingInbox();
    try {
      await publish('a', 'b', 'c');
      expect(await inbox.pull(2, 5_000)).toEqual({ delivered: 2 });
      expect(await inbox.pull(1, 5_000)).toEqual({ delivered: 1 });
      const waiting = inbox.pull(1, 5_000);
      await waitingPulls(1);
      await publish('d');
      expect(await waiting).toEqual({ delivered: 1 });
      expect(received).toEqual(['a', 'b', 'c', 'd']);
      // One subscription served all three pulls.
      expect(subscribe).toHaveBeenCalledTimes(1);
      // Every one was acked (the server settles acks in the background).
      await consumerState((info) => info.num_ack_pending + info.num_pending === 0);
    } finally {
      inbox.close();
      subscribe.mockRestore();
    }
  });

  it('resolves a pull that expired unfilled with what came', async () => {
    const { inbox, received } = collectingInbox();
    try {
      await publish('only');
      expect(await inbox.pull(3, 300)).toEqual({ delivered: 1 });
      expect(await inbox.pull(1, 300)).toEqual({ delivered: 0 });
      expect(received).toEqual(['only']);
    } finally {
      inbox.close();
    }
  });

  it('withdraws a pull: nothing more arrives for it, and the next pull uses a new inbox', async () => {
    const subscribe = vi.spyOn(nats.nc, 'subscribe');
    const { inbox, received } = collectingInbox();
    try {
      const pending = inbox.pull(2, 5_000);
      await waitingPulls(1);
      inbox.withdraw();
      expect(await pending).toEqual({ delivered: 0 });
      await publish('later');
      // The server forgot the withdrawn request with its inbox: the message waits for the next pull.
      await waitingPulls(0);
      expect((await nats.jsm.consumers.info(stream, consumer)).num_pending).toBe(1);
      expect(await inbox.pull(1, 5_000)).toEqual({ delivered: 1 });
      expect(received).toEqual(['later']);
      expect(subscribe).toHaveBeenCalledTimes(2);
    } finally {
      inbox.close();
      subscribe.mockRestore();
    }
  });

  it('refuses a second pull while one is outstanding', async () => {
    const { inbox } = collectingInbox();
    try {
      const pending = inbox.pull(1, 5_000);
      expect(() => inbox.pull(1, 5_000)).toThrow(/already outstanding/);
      inbox.withdraw();
      await pending;
    } finally {
      inbox.close();
    }
  });

  it('rejects with the status of a consumer deleted under its pull; a pull of a missing one goes unanswered', async () => {
    const { inbox } = collectingInbox();
    try {
      const pending = inbox.pull(1, 5_000).catch((error: unknown) => error);
      await waitingPulls(1);
      await nats.jsm.consumers.delete(stream, consumer);
      const deleted = await pending;
      expect(deleted).toBeInstanceOf(PullRefusedError);
      expect(deleted).toMatchObject({ code: 409, message: 'consumer deleted' });
      // nats-server answers nothing for a consumer it does not have: the pull fails past its expiry.
      const missing = await inbox.pull(1, 200).catch((error: unknown) => error);
      expect(missing).toBeInstanceOf(PullUnansweredError);
    } finally {
      inbox.close();
    }
  });

  it('settles: a nak redelivers after its delay, a term never', async () => {
    const settles: Array<(message: PulledMessage) => void> = [
      (message) => message.nak(200),
      (message) => message.term(),
      (message) => message.ack(),
    ];
    const { inbox, received } = collectingInbox((message) => settles.shift()?.(message));
    try {
      await publish('x', 'y');
      expect(await inbox.pull(2, 5_000)).toEqual({ delivered: 2 });
      // x comes back once its delay is over; y was terminated, so nothing is left after x's ack.
      expect(await inbox.pull(1, 5_000)).toEqual({ delivered: 1 });
      expect(received).toEqual(['x', 'y', 'x']);
      await consumerState((info) => info.num_ack_pending + info.num_pending === 0);
    } finally {
      inbox.close();
    }
  });
});
