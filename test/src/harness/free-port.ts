import { createServer } from 'node:net';

/**
 * Ports for the harness's servers come from below the kernel's ephemeral range
 * (32768-60999 by default). An outgoing connection (a controller's Postgres
 * pool, an agent's gRPC channel) takes its local port from that range, so with
 * `listen(0)` it could take a probed port before the server binds it, or while
 * a server restarts on it. Below the range only listeners compete, and the
 * harness's own listeners do not: each vitest worker (`VITEST_POOL_ID`, 1 to
 * maxWorkers; 0 outside a worker) draws from its own block of ports and hands
 * none out twice until the block wraps. There are 12 blocks: a thirteenth
 * worker would share the first worker's.
 */
const FIRST_PORT = 20_000;
const BLOCK_SIZE = 1_000;
const BLOCKS = 12;

const block = Number.parseInt(process.env.VITEST_POOL_ID ?? '0', 10) % BLOCKS || 0;
const blockStart = FIRST_PORT + block * BLOCK_SIZE;
let handedOut = 0;

/**
 * A TCP port on 127.0.0.1 that is free now and that no other caller of this
 * function, in this process or another vitest worker, is given while the block
 * lasts. A port some other program listens on is skipped.
 */
export async function findFreePort(): Promise<number> {
  for (let tried = 0; tried < BLOCK_SIZE; tried++) {
    const port = blockStart + (handedOut++ % BLOCK_SIZE);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${blockStart}-${blockStart + BLOCK_SIZE - 1} on 127.0.0.1`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(error);
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
