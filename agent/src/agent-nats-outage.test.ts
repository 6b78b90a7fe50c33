/**
 * The agent when NATS goes away: a nats-server killed with SIGKILL and
 * restarted (same port, same store), a durable consumer deleted under it, and
 * the jobs stream lost. The agent must neither exit nor drain, and must still
 * receive the next offer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Tests only: the controller's nats-server runner can kill -9 and restart on the same port and store.
import { type NatsServerProcess, startNatsServer } from '@gantry/common';
import { natsTopology } from '@gantry/proto';
import { RetentionPolicy, StorageType } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAgentFixture } from './testing/agent-fixture.js';

const storeDir = mkdtempSync(join(tmpdir(), 'gantry-nats-outage-'));
let server: NatsServerProcess;
beforeAll(async () => {
  server = await startNatsServer({ storeDir });
});
afterAll(async () => {
  await server?.stop();
  rmSync(storeDir, { recursive: true, force: true });
});

const f = useAgentFixture({ nats: () => server.url });
const { offer, logLine, finishOf, start } = f;

/** Resolves once the test's own connection is back and the server answers JetStream requests. */
async function natsBack(deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      await f.nc.flush();
      await (await f.nc.jetstreamManager()).getAccountInfo();
      return;
    } catch (error) {
      // Still reconnecting (the client retries every 100 ms).
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Resolves once the agent has a pull outstanding on its consumer: it is idle, waiting for an offer. */
async function idlePulling(deadlineMs = 20_000): Promise<void> {
  const jsm = await f.nc.jetstreamManager();
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const info = await jsm.consumers.info(natsTopology.jobsStream, natsTopology.jobsConsumer('default'));
    if (info.num_waiting > 0) return;
    if (Date.now() > deadline) throw new Error('the agent never pulled');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('agent under NATS faults', { timeout: 60_000 }, () => {
  it('survives nats-server kill -9 and restart while idle and takes the next offer', async () => {
    await start();
    let closed = false;
    void f.agent?.closed.then(() => {
      closed = true;
    });
    await idlePulling();
    await server.kill9();
    await logLine({ msg: 'nats disconnected' });
    await server.restart();
    await natsBack();
    const jobId = await offer(['echo after the restart']);
    expect((await finishOf(jobId)).request.result).toBe('succeeded');
    expect(closed).toBe(false);
    expect(f.logs.some((l) => l.msg === 'agent draining' || l.msg === 'agent stopped')).toBe(false);
  });

  it('survives an outage longer than one pull', async () => {
    await start();
    await idlePulling();
    await server.kill9();
    await logLine({ msg: 'nats disconnected' });
    // The outage lasts until the agent has renewed its pull while the server was away.
    const renewal = { msg: 'job pull ended empty, pulling again' };
    const before = f.logs.filter((l) => l.msg === renewal.msg).length;
    await f.logLines(renewal, before + 1);
    await server.restart();
    await natsBack();
    const jobId = await offer(['echo after the outage']);
    expect((await finishOf(jobId)).request.result).toBe('succeeded');
  });

  it('creates its durable consumer again when it is deleted', async () => {
    await start();
    await idlePulling();
    const jsm = await f.nc.jetstreamManager();
    await jsm.consumers.delete(natsTopology.jobsStream, natsTopology.jobsConsumer('default'));
    await logLine({ msg: 'job pull failed, retrying', recreate: true });
    const jobId = await offer(['echo consumer is back']);
    expect((await finishOf(jobId)).request.result).toBe('succeeded');
  });

  it('waits for a lost jobs stream to come back, then takes the next offer', async () => {
    await start();
    await idlePulling();
    const jsm = await f.nc.jetstreamManager();
    await jsm.streams.delete(natsTopology.jobsStream);
    await logLine({ msg: 'cannot add job consumer, retrying' });
    // The controller creates the stream again (here: the test does).
    await jsm.streams.add({
      name: natsTopology.jobsStream,
      subjects: ['gantry.jobs.>'],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
    });
    const jobId = await offer(['echo stream is back']);
    expect((await finishOf(jobId)).request.result).toBe('succeeded');
  });
});
