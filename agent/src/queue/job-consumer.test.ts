/**
 * The pull loops of an agent's queues against a real nats-server, with the
 * agent's own slot pool: a full agent holds no offer, and one queue's jobs
 * one after another keep a single inbox.
 */
import { natsTopology } from '@gantry/proto';
import { RetentionPolicy, StorageType } from 'nats';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SlotPool } from '../runner/slot-pool.js';
import { useNatsServer } from '../testing/nats-fixture.js';
import { ensureJobConsumer, type JobMessage, pullJobs } from './job-consumer.js';

const logger = pino({ level: 'silent' });
const nats = useNatsServer();

let stop: AbortController;
beforeEach(async () => {
  await nats.jsm.streams.add({
    name: natsTopology.jobsStream,
    subjects: ['gantry.jobs.>'],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.Memory,
  });
  stop = new AbortController();
});
afterEach(async () => {
  stop.abort();
  await nats.jsm.streams.delete(natsTopology.jobsStream);
});

/** Pull loops for `queues` sharing `slots`; every offer is acked and kept (with its slot) in `taken`. */
async function startLoops(queues: string[], slots: SlotPool) {
  const taken: JobMessage[] = [];
  const arrivals: Array<() => void> = [];
  for (const queue of queues) await ensureJobConsumer(nats.nc, queue, logger, stop.signal);
  const loops = queues.map((queue) =>
    pullJobs({
      nc: nats.nc,
      queue,
      slots,
      logger,
      signal: stop.signal,
      onMessage: (message) => {
        message.ack();
        taken.push(message);
        arrivals.shift()?.();
      },
    }),
  );
  /** Resolves once `count` offers were taken in all. */
  const takenCount = async (count: number) => {
    while (taken.length < count) await new Promise<void>((resolve) => arrivals.push(resolve));
  };
  return { taken, takenCount, loops };
}

async function offer(queue: string, body: string): Promise<void> {
  await nats.nc.jetstream().publish(natsTopology.jobsSubject(queue), body);
}

async function consumerInfo(queue: string) {
  return nats.jsm.consumers.info(natsTopology.jobsStream, natsTopology.jobsConsumer(queue));
}

/** Resolves once `queue`'s consumer holds `count` waiting pulls. */
async function waitingPulls(queue: string, count: number): Promise<void> {
  while ((await consumerInfo(queue)).num_waiting !== count) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('pullJobs', { timeout: 20_000 }, () => {
  it('withdraws the other queues’ pulls when the agent fills up, and pulls again when a slot frees', async () => {
    const slots = new SlotPool(2);
    const { taken, takenCount } = await startLoops(['build', 'deploy'], slots);
    await waitingPulls('deploy', 1);
    await offer('build', 'b1');
    await offer('build', 'b2');
    await takenCount(2);
    // Full: deploy's pull was withdrawn as the last slot was taken (on this connection, before the offer
    // is published), so its offer waits on the server, never delivered to this agent and turned back.
    await offer('deploy', 'd1');
    expect(await consumerInfo('deploy')).toMatchObject({ num_pending: 1, num_ack_pending: 0, num_redelivered: 0 });
    slots.release();
    await takenCount(3);
    expect((await consumerInfo('deploy')).num_redelivered).toBe(0);
    expect(taken.map((message) => [message.queue, new TextDecoder().decode(message.data)])).toEqual([
      ['build', 'b1'],
      ['build', 'b2'],
      ['deploy', 'd1'],
    ]);
  });

  it('takes one queue’s jobs one after another on a single inbox', async () => {
    const subscribe = vi.spyOn(nats.nc, 'subscribe');
    try {
      const slots = new SlotPool(1);
      const { takenCount } = await startLoops(['build'], slots);
      for (let job = 1; job <= 3; job++) {
        await offer('build', `job ${job}`);
        await takenCount(job);
        slots.release();
      }
      // Filling the only slot ended each pull, which had nothing more to come: no inbox was given up.
      expect(subscribe).toHaveBeenCalledTimes(1);
    } finally {
      subscribe.mockRestore();
    }
  });
});
