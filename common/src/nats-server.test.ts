import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, StringCodec } from 'nats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  NatsServerNotFoundError,
  type NatsServerProcess,
  NatsServerStartError,
  startNatsServer,
} from './nats-server.js';

let storeDir: string;
let server: NatsServerProcess | undefined;

beforeEach(async () => {
  storeDir = await mkdtemp(join(tmpdir(), 'gantry-nats-test-'));
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  await rm(storeDir, { recursive: true, force: true });
});

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startNatsServer', () => {
  it('starts on a free port, keeps port and JetStream data across restart, and stops', async () => {
    server = await startNatsServer({ storeDir });
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    expect(await acceptsConnections(server.port)).toBe(true);

    const codec = StringCodec();
    const before = await connect({ servers: server.url });
    await (await before.jetstreamManager()).streams.add({ name: 'probe', subjects: ['probe.>'] });
    await before.jetstream().publish('probe.one', codec.encode('hello'));
    await before.close();

    const firstPid = server.pid;
    await server.restart();
    expect(server.pid).not.toBe(firstPid);
    expect(await acceptsConnections(server.port)).toBe(true);

    const after = await connect({ servers: server.url });
    const message = await (await after.jetstreamManager()).streams.getMessage('probe', { seq: 1 });
    expect(codec.decode(message.data)).toBe('hello');
    await after.close();

    await server.stop();
    expect(await acceptsConnections(server.port)).toBe(false);
    expect(await readFile(join(storeDir, 'nats-server.log'), 'utf8')).toContain('Server is ready');
  });

  it('restarts after kill9 on the same port', async () => {
    server = await startNatsServer({ storeDir });
    await server.kill9();
    expect(await acceptsConnections(server.port)).toBe(false);
    await server.restart();
    expect(await acceptsConnections(server.port)).toBe(true);
  });

  it('names the missing binary', async () => {
    const binary = join(storeDir, 'no-such-nats-server');
    const failure = startNatsServer({ storeDir, binary });
    await expect(failure).rejects.toBeInstanceOf(NatsServerNotFoundError);
    await expect(failure).rejects.toMatchObject({
      code: 'NATS_SERVER_NOT_FOUND',
      message: expect.stringContaining(binary),
    });
  });

  it("fails with the server's log when the server exits before accepting connections", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const failure = startNatsServer({ storeDir, port });
      await expect(failure).rejects.toBeInstanceOf(NatsServerStartError);
      await expect(failure).rejects.toThrow(/address already in use/);
    } finally {
      blocker.close();
    }
  });
});
