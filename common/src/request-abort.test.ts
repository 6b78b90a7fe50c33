import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestAbort } from './request-abort.js';

// The garbage collector on demand, as `node --expose-gc` has it.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Answers the headers and one part, then nothing more. */
let stalled: Server;
let url: string;
beforeAll(async () => {
  stalled = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('partial');
  });
  await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`;
});
afterAll(() => {
  stalled.closeAllConnections();
  stalled.close();
});

/** Reads a stalled answer under `abort`, collecting garbage meanwhile; how the read ended. */
async function readStalled(abort: RequestAbort): Promise<string> {
  const collecting = setInterval(collectGarbage, 10);
  try {
    const response = await fetch(url, { signal: abort.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    abort.arm(100);
    await reader.read();
    return 'read on';
  } catch (error) {
    return (error as Error).name;
  } finally {
    clearInterval(collecting);
    abort.release();
  }
}

describe('RequestAbort', () => {
  it('times a stalled answer out while the garbage collector runs', async () => {
    const caller = new AbortController();
    const abort = new RequestAbort(caller.signal);
    abort.arm(5_000);
    expect(await readStalled(abort)).toBe('TimeoutError');
    expect(abort.timedOut).toBe(true);
  });

  it('aborts with the caller’s reason, and not as timed out', async () => {
    const caller = new AbortController();
    const abort = new RequestAbort(caller.signal);
    abort.arm(5_000);
    const response = await fetch(url, { signal: abort.signal });
    const reading = (response.body as ReadableStream<Uint8Array>).getReader().read();
    caller.abort(new Error('interrupted'));
    await expect(reading).rejects.toThrow('interrupted');
    expect(abort.timedOut).toBe(false);
    abort.release();
  });

  it('ends a wait on the abort itself, and hands what came too late to `late`', async () => {
    const abort = new RequestAbort();
    let settle: (value: string) => void = () => {};
    const work = new Promise<string>((resolve) => {
      settle = resolve;
    });
    const late: string[] = [];
    abort.arm(10);
    await expect(abort.race(work, (value) => late.push(value))).rejects.toMatchObject({ name: 'TimeoutError' });
    settle('answer');
    await work;
    expect(late).toEqual(['answer']);
    abort.release();
  });

  it('is aborted at once for a caller aborted already', () => {
    const caller = new AbortController();
    caller.abort(new Error('before'));
    const abort = new RequestAbort(caller.signal);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toEqual(new Error('before'));
  });
});
