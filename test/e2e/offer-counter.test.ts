/**
 * What the reaper takes for an offer still in NATS (createOfferCounter), on a
 * real nats-server: an offer its queue's consumer can still hand out counts;
 * one stored in the stream under a sequence the consumer already delivered
 * past (what JetStream can leave after nodes crash one after another) does
 * not, so its job is offered again instead of waiting forever.
 */
import { createConsumerMover, createOfferCounter } from '@gantry/controller';
import { AckPolicy, connect, DeliverPolicy, type JetStreamManager, type NatsConnection, RetentionPolicy } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, startNats, startNatsCluster } from '../src/harness/index.js';
import { waitFor } from './wait.js';

describe('counting the offers an agent can still be handed', () => {
  let nats: NatsServer;
  let connection: NatsConnection;
  let manager: JetStreamManager;
  const offer = (queue: string, count: number) =>
    Promise.all(
      Array.from({ length: count }, (_, index) =>
        connection.jetstream().publish(`gantry.jobs.${queue}`, JSON.stringify({ jobId: `${queue}-${index}` })),
      ),
    );
  const addConsumer = (queue: string, from?: number) =>
    manager.consumers.add('GANTRY_JOBS', {
      durable_name: `jobs-${queue}`,
      filter_subject: `gantry.jobs.${queue}`,
      ack_policy: AckPolicy.Explicit,
      ...(from === undefined
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from }),
    });

  beforeAll(async () => {
    nats = await startNats();
    connection = await connect({ servers: nats.url });
    manager = await connection.jetstreamManager();
    // Limits, not the farm's work-queue retention: JetStream lets a work-queue stream's consumer start only at
    // its first message, and the state under test (a consumer past stored offers) needs one to start later.
    await manager.streams.add({
      name: 'GANTRY_JOBS',
      subjects: ['gantry.jobs.>'],
      retention: RetentionPolicy.Limits,
    });
  });
  afterAll(async () => {
    await connection?.close();
    await nats?.stop();
  });

  it('counts offers waiting and offers handed out but not acked', async () => {
    await offer('live', 3);
    await addConsumer('live');
    const handedOut = await (await connection.jetstream().consumers.get('GANTRY_JOBS', 'jobs-live')).next();
    expect(handedOut).not.toBeNull();
    expect(await createOfferCounter(connection)('live')).toBe(3);
  });

  it('does not count offers below what the consumer delivered', async () => {
    await offer('stranded', 3);
    // The consumer stands past every stored offer, as after the stream's sequence went back.
    await addConsumer('stranded', 1_000);
    expect(await createOfferCounter(connection)('stranded')).toBe(0);
  });

  it('counts the stream’s offers for a queue without a consumer', async () => {
    await offer('unserved', 2);
    expect(await createOfferCounter(connection)('unserved')).toBe(2);
  });

  it('moves nothing without a cluster, and says nothing is wrong', async () => {
    await addConsumer('single');
    await expect(createConsumerMover(connection)('single')).resolves.toBeUndefined();
  });
});

describe('moving a stuck job consumer', () => {
  it('has another node of the cluster lead the queue’s consumer', async () => {
    const cluster = await startNatsCluster(3);
    const client = await connect({ servers: cluster.url.split(',') });
    try {
      const jsm = await client.jetstreamManager();
      await jsm.streams.add({
        name: 'GANTRY_JOBS',
        subjects: ['gantry.jobs.>'],
        retention: RetentionPolicy.Workqueue,
        num_replicas: 3,
      });
      await jsm.consumers.add('GANTRY_JOBS', {
        durable_name: 'jobs-default',
        filter_subject: 'gantry.jobs.default',
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
      });
      // Undefined while the consumer has no leader (JetStream answers 503 during an election).
      const leader = () =>
        jsm.consumers.info('GANTRY_JOBS', 'jobs-default').then(
          (info) => info.cluster?.leader,
          () => undefined,
        );
      const before = await waitFor('the consumer to have a leader', leader);
      await createConsumerMover(client)('default');
      await waitFor('another node to lead the consumer', async () => {
        const now = await leader();
        return now !== undefined && now !== before;
      });
    } finally {
      await client.close();
      await cluster.stop();
    }
  });
});
