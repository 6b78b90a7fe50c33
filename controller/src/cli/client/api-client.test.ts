/**
 * The client's timeouts hold whatever the garbage collector does meanwhile
 * (see RequestAbort): the CLI always passes a signal of its own (Ctrl-C).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient } from './api-client.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Answers the headers and one part, then nothing more. */
let stalled: Server;
let baseUrl: string;
beforeAll(async () => {
  stalled = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('partial');
  });
  await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`;
});
afterAll(() => {
  stalled.closeAllConnections();
  stalled.close();
});

it('gives up on a log that stops flowing, though the garbage collector runs meanwhile', async () => {
  const api = new ApiClient({ baseUrl, token: 't0ken', timeoutMs: 1000, signal: new AbortController().signal });
  const collecting = setInterval(collectGarbage, 10);
  let stuck: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([
      api
        .streamJobLog({ runId: 'r1', jobId: 'j1' }, async () => {}, { idleTimeout: true })
        .then(
          () => 'ended',
          (error: Error) => error.message,
        ),
      // Far past the timeout: the request was never aborted.
      new Promise<string>((resolve) => {
        stuck = setTimeout(() => resolve('still waiting after 10 s'), 10_000);
      }),
    ]);
    // Given up, not still waiting: between two parts as a rule; for the answer when the collector held it up that long.
    expect(outcome).toMatch(
      /^cannot reach the Gantry API at \S+: no data from GET \/api\/runs\/r1\/jobs\/j1\/log within 1000 ms (between two parts of|for) the answer$/,
    );
  } finally {
    clearInterval(collecting);
    clearTimeout(stuck);
  }
});
