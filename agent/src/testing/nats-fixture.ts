/**
 * A nats-server (JetStream, its own store directory) for one test file, with
 * a connection and a JetStream manager on it; stopped and removed after the
 * file's tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsServerProcess, startNatsServer } from '@gantry/common';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { afterAll, beforeAll } from 'vitest';

export interface NatsFixture {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
}

export function useNatsServer(): NatsFixture {
  const storeDir = mkdtempSync(join(tmpdir(), 'gantry-nats-'));
  let server: NatsServerProcess | undefined;
  let nc: NatsConnection | undefined;
  let jsm: JetStreamManager | undefined;
  beforeAll(async () => {
    server = await startNatsServer({ storeDir });
    nc = await connect({ servers: server.url });
    jsm = await nc.jetstreamManager();
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
    rmSync(storeDir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the nats-server fixture is used before its beforeAll ran');
    return value;
  };
  return {
    get nc() {
      return started(nc);
    },
    get jsm() {
      return started(jsm);
    },
  };
}
