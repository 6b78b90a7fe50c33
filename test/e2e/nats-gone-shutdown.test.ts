/**
 * Stopping a controller whose NATS server is already gone: `gantry up`
 * stopped by Ctrl-C (nats-server, in the same process group, gets the signal
 * too and exits first), or a controller stopped during a NATS outage. The
 * process must exit by itself, not wait to be killed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { freshDatabase, type NatsServer, startController, startNats } from '../src/harness/index.js';

let nats: NatsServer;
let dir: string;
beforeAll(async () => {
  nats = await startNats();
  dir = await mkdtemp(join(tmpdir(), 'gantry-nats-gone-'));
});
afterAll(async () => {
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('exits on SIGTERM when its NATS server is gone, rather than reconnecting until it is killed', async () => {
  const controller = await startController({
    databaseUrl: await freshDatabase(),
    natsUrl: nats.url,
    dataDir: join(dir, 'controller'),
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    agentToken: `agent-${randomBytes(12).toString('hex')}`,
  });
  // Answering /healthz comes before the CLI takes SIGTERM over: wait for the line that says it has.
  await vi.waitFor(() => expect(controller.logs()).toContain('controller ready'), { timeout: 30_000, interval: 50 });
  await nats.kill9();
  // SIGTERM; the harness sends SIGKILL only if the process is still there after its grace period.
  await controller.stop();
  expect(controller.exitReason()).toBe('code 0');
});
