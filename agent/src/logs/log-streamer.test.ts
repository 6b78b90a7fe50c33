import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChunkCutter } from './chunk-cutter.js';
import { type LogChunkSender, LogStreamer, type OutgoingLogChunk } from './log-streamer.js';

/**
 * An in-memory transport. `full` makes send() report backpressure until the
 * test calls releaseDrain(); `failAfter` makes the stream fail after that many chunks.
 */
class FakeSender implements LogChunkSender {
  readonly sent: OutgoingLogChunk[] = [];
  full = false;
  finished = false;
  aborted = false;
  #drainWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  #failure: Error | undefined;
  #failureListeners: Array<(error: unknown) => void> = [];

  constructor(private readonly failAfter = Number.POSITIVE_INFINITY) {}

  send(chunk: OutgoingLogChunk): boolean {
    if (this.#failure) return false;
    if (this.sent.length >= this.failAfter) {
      this.#failure = Object.assign(new Error('connection reset'), { code: 'UNAVAILABLE' });
      return false;
    }
    this.sent.push(chunk);
    return !this.full;
  }
  waitDrain(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }
  releaseDrain(): void {
    this.full = false;
    for (const w of this.#drainWaiters.splice(0)) w.resolve();
  }
  finish(): Promise<number> {
    this.finished = true;
    if (this.#failure) return Promise.reject(this.#failure);
    return Promise.resolve(this.sent.at(-1)?.seq ?? -1);
  }
  abort(): void {
    this.aborted = true;
  }
  onFailure(listener: (error: unknown) => void): void {
    this.#failureListeners.push(listener);
  }
  /** The stream fails on its own (the controller answered with an error). */
  fail(error: Error): void {
    this.#failure = error;
    for (const w of this.#drainWaiters.splice(0)) w.reject(error);
    for (const listener of this.#failureListeners.splice(0)) listener(error);
  }
}

const unavailable = (error: unknown) => (error as { code?: string }).code === 'UNAVAILABLE';

function text(chunks: OutgoingLogChunk[]): string {
  return Buffer.concat(chunks.map((c) => c.data)).toString();
}

afterEach(() => {
  vi.useRealTimers();
});

describe('LogStreamer', () => {
  it('cuts chunks of at most maxChunkBytes with gapless seq and byte offsets', async () => {
    const sender = new FakeSender();
    const streamer = new LogStreamer({ openSender: () => sender, maxChunkBytes: 10 });
    streamer.write('0123456789abcdefghij', 0);
    streamer.write('klmno', 0);
    expect(await streamer.end()).toBe(2);
    expect(sender.sent.map(({ seq, offset, stepIndex, data }) => [seq, offset, stepIndex, data.toString()])).toEqual([
      [0, 0, 0, '0123456789'],
      [1, 10, 0, 'abcdefghij'],
      [2, 20, 0, 'klmno'],
    ]);
    expect(sender.finished).toBe(true);
  });

  it('never mixes two steps in one chunk', async () => {
    const sender = new FakeSender();
    const streamer = new LogStreamer({ openSender: () => sender, maxChunkBytes: 64 });
    streamer.write('$ make\n', 0);
    streamer.write('built\n', 0);
    streamer.write('$ make test\n', 1);
    streamer.write('ok\n', 1);
    await streamer.end();
    expect(sender.sent.map(({ seq, offset, stepIndex, data }) => [seq, offset, stepIndex, data.toString()])).toEqual([
      [0, 0, 0, '$ make\nbuilt\n'],
      [1, 13, 1, '$ make test\nok\n'],
    ]);
  });

  it('sends a partial chunk once output has been quiet for flushDelayMs', () => {
    vi.useFakeTimers();
    const sender = new FakeSender();
    const streamer = new LogStreamer({ openSender: () => sender, flushDelayMs: 20 });
    streamer.write('line 1\n', 0);
    vi.advanceTimersByTime(19);
    expect(sender.sent).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(text(sender.sent)).toBe('line 1\n');
  });

  it('holds output while the transport is slow, signals backpressure, and loses nothing', async () => {
    const sender = new FakeSender();
    sender.full = true;
    const streamer = new LogStreamer({ openSender: () => sender, maxChunkBytes: 4, maxQueuedBytes: 16 });
    const written: string[] = [];
    let accepted = true;
    for (let i = 0; accepted; i++) {
      const line = `${i}`.padStart(4, '0');
      written.push(line);
      accepted = streamer.write(line, 0);
    }
    // The first chunk went out and the transport said "full"; the rest is queued.
    expect(sender.sent).toHaveLength(1);
    const drained = streamer.drain();
    let isDrained = false;
    void drained.then(() => {
      isDrained = true;
    });
    await Promise.resolve();
    expect(isDrained).toBe(false);

    // Let the transport accept chunks one at a time.
    while (!isDrained) {
      sender.full = true;
      sender.releaseDrain();
      await new Promise((resolve) => setImmediate(resolve));
    }
    streamer.write('tail', 0);
    const ending = streamer.end();
    while (!sender.finished) {
      sender.releaseDrain();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await ending;
    expect(text(sender.sent)).toBe(`${written.join('')}tail`);
    expect(sender.sent.map((c) => c.seq)).toEqual(sender.sent.map((_, i) => i));
  });

  it('resends retained chunks on a new stream after a retryable failure', async () => {
    const senders = [new FakeSender(2), new FakeSender()];
    let opened = 0;
    const streamer = new LogStreamer({
      openSender: () => senders[opened++] as FakeSender,
      isRetryable: (error) => (error as { code?: string }).code === 'UNAVAILABLE',
      maxChunkBytes: 3,
      retryDelayMs: 0,
    });
    streamer.write('aaabbbcccddd', 0);
    await streamer.end();
    expect(opened).toBe(2);
    const [first, second] = senders as [FakeSender, FakeSender];
    expect(first.aborted).toBe(true);
    // Every seq is stored at least once, in a gapless sequence, with the same bytes.
    const stored = new Map<number, string>();
    for (const c of [...first.sent, ...second.sent]) stored.set(c.seq, c.data.toString());
    expect([...stored.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect([0, 1, 2, 3].map((seq) => stored.get(seq)).join('')).toBe('aaabbbcccddd');
    expect(second.sent[0]?.seq).toBe(0);
  });

  it('keeps retrying as long as failures are retryable, then delivers everything', async () => {
    const senders: FakeSender[] = [];
    const streamer = new LogStreamer({
      // 30 transports in a row fail at once; the 31st works.
      openSender: () => {
        const sender = new FakeSender(senders.length < 30 ? 0 : Number.POSITIVE_INFINITY);
        senders.push(sender);
        return sender;
      },
      isRetryable: unavailable,
      maxChunkBytes: 4,
      retryDelayMs: 0,
    });
    streamer.write('abcdefgh', 0);
    await streamer.end();
    expect(senders).toHaveLength(31);
    expect(text(senders[30]?.sent ?? [])).toBe('abcdefgh');
  });

  it('ends and acknowledges the transport every retainBytes, so a later failure resends only what is unacknowledged', async () => {
    const senders: FakeSender[] = [];
    const streamer = new LogStreamer({
      // The second transport fails after one chunk.
      openSender: () => {
        const sender = new FakeSender(senders.length === 1 ? 1 : Number.POSITIVE_INFINITY);
        senders.push(sender);
        return sender;
      },
      isRetryable: unavailable,
      maxChunkBytes: 2,
      retainBytes: 4,
      retryDelayMs: 0,
    });
    streamer.write('aabbccddee', 0);
    await streamer.end();
    // Every 4 bytes the stream was ended (acknowledged) and a new one began; the
    // failed second stream's chunk was resent from the first unacknowledged seq.
    expect(senders.map((sender) => sender.sent.map((c) => c.seq))).toEqual([[0, 1], [2], [2, 3], [4]]);
    expect(senders.map((sender) => sender.finished)).toEqual([true, false, true, true]);
    const acknowledged = senders.filter((sender) => sender.finished).flatMap((sender) => sender.sent);
    expect(text(acknowledged)).toBe('aabbccddee');
  });

  it('reports a non-retryable failure as soon as the transport does, even with nothing to send', () => {
    const onFailure = vi.fn();
    const sender = new FakeSender();
    const streamer = new LogStreamer({ openSender: () => sender, isRetryable: unavailable, onFailure });
    sender.fail(Object.assign(new Error('stale lease'), { code: 'FAILED_PRECONDITION' }));
    expect(onFailure).toHaveBeenCalledOnce();
    expect(sender.aborted).toBe(true);
    expect(streamer.write('more', 0)).toBe(true);
  });

  it('gives up on a non-retryable failure and reports it', async () => {
    const onFailure = vi.fn();
    const streamer = new LogStreamer({ openSender: () => new FakeSender(0), onFailure, maxChunkBytes: 3 });
    streamer.write('abcdef', 0);
    await expect(streamer.end()).rejects.toThrow('connection reset');
    expect(onFailure).toHaveBeenCalledOnce();
    // Output after the failure is discarded without blocking the producer.
    expect(streamer.write('more', 0)).toBe(true);
    await streamer.drain();
  });

  it('abort() cancels the transport and drops queued output', async () => {
    const sender = new FakeSender();
    sender.full = true;
    const streamer = new LogStreamer({ openSender: () => sender, maxChunkBytes: 2, maxQueuedBytes: 4 });
    streamer.write('abcdefgh', 0);
    const drained = streamer.drain();
    streamer.abort();
    await drained;
    expect(sender.aborted).toBe(true);
    await expect(streamer.end()).rejects.toThrow('aborted');
  });

  it('sends only the first maxBytes + 1 bytes and never holds the producer up past them', async () => {
    const sender = new FakeSender();
    const streamer = new LogStreamer({ openSender: () => sender, maxChunkBytes: 4, maxBytes: 10, maxQueuedBytes: 8 });
    expect(streamer.write('abcdefgh', 0)).toBe(true);
    streamer.write('ijklmnop', 1);
    for (let i = 0; i < 1000; i++) expect(streamer.write('more output nobody stores', 2)).toBe(true);
    await streamer.end();
    expect(text(sender.sent)).toBe('abcdefghijk');
    expect(sender.sent.at(-1)).toMatchObject({ offset: 8, stepIndex: 1 });
  });

  it('bounds tiny chunks by count: write() says full at maxQueuedChunks, and the transport is acknowledged every retainChunks', async () => {
    const senders: FakeSender[] = [];
    const streamer = new LogStreamer({
      openSender: () => {
        const sender = new FakeSender();
        sender.full = senders.length === 0;
        senders.push(sender);
        return sender;
      },
      maxQueuedChunks: 3,
      retainChunks: 5,
    });
    // One chunk per step, as a job of many short steps makes them. Step 0's chunk is with the
    // (full) transport; steps 1-3 make three queued chunks when step 4 begins.
    const accepted = [0, 1, 2, 3, 4].map((step) => streamer.write('x', step));
    expect(accepted).toEqual([true, true, true, true, false]);
    (senders[0] as FakeSender).releaseDrain();
    await streamer.drain();
    for (let step = 5; step < 12; step++) streamer.write('x', step);
    await streamer.end();
    expect(senders.map((sender) => sender.sent.length)).toEqual([5, 5, 2]);
    expect(senders.every((sender) => sender.finished)).toBe(true);
    expect(text(senders.flatMap((sender) => sender.sent))).toBe('x'.repeat(12));
  });
});

describe('LogStreamer with secrets', () => {
  it('masks a value split across writes, releases the held-back tail at the step end, and keeps steps apart', async () => {
    const sender = new FakeSender();
    const streamer = new LogStreamer({ openSender: () => sender, secrets: ['hunter2-deploy'] });
    streamer.write('token: hunter2-', 0);
    streamer.write('deploy\nlast line of step 0', 0);
    streamer.endStep();
    streamer.write('step 1 says hunter2-deploy', 1);
    await streamer.end();
    expect(text(sender.sent)).toBe('token: ***\nlast line of step 0step 1 says ***');
    const step0 = sender.sent.filter((chunk) => chunk.stepIndex === 0);
    expect(text(step0)).toBe('token: ***\nlast line of step 0');
  });

  it('compresses long chunks in order, sends short ones as they are, and resends the compressed ones', async () => {
    const senders = [new FakeSender(2), new FakeSender()];
    let opened = 0;
    const streamer = new LogStreamer({
      openSender: () => senders[opened++] as FakeSender,
      isRetryable: unavailable,
      maxChunkBytes: 64 * 1024,
      retryDelayMs: 0,
      compressChunks: true,
      // Full at one chunk: each write past it waits until a chunk was compressed and its buffer recycled.
      maxQueuedBytes: 64 * 1024,
    });
    const recycled = vi.spyOn(ChunkCutter.prototype, 'recycle');
    const long = (from: number) =>
      Array.from({ length: 8_192 }, (_, n) => `line ${String(from + n).padStart(10, '0')}\n`).join('');
    const output = [long(0), 'a short line\n', long(10_000), long(20_000)];
    // Through one reused buffer, as the agent reads pipes.
    const shared = Buffer.alloc(4096);
    for (const [step, part] of output.entries()) {
      for (let at = 0; at < part.length; at += shared.length) {
        const length = shared.write(part.slice(at, at + shared.length));
        const room = streamer.write(shared.subarray(0, length), step);
        shared.fill('#');
        if (!room) await streamer.drain();
      }
    }
    await streamer.end();
    // Later chunks were cut in the buffers of earlier ones, and every byte still arrived as written (below).
    expect(recycled.mock.calls.length).toBeGreaterThan(2);
    recycled.mockRestore();
    const second = (senders as [FakeSender, FakeSender])[1];
    expect(second.sent.map((chunk) => [chunk.seq, chunk.plainBytes])).toEqual([
      [0, 64 * 1024],
      [1, 64 * 1024],
      [2, undefined],
      [3, 64 * 1024],
      [4, 64 * 1024],
      [5, 64 * 1024],
      [6, 64 * 1024],
    ]);
    let offset = 0;
    for (const chunk of second.sent) {
      expect(chunk.offset).toBe(offset);
      offset += chunk.plainBytes ?? chunk.data.length;
    }
    const plain = second.sent.map((chunk) => (chunk.plainBytes ? gunzipSync(chunk.data) : chunk.data));
    expect(Buffer.concat(plain).toString()).toBe(output.join(''));
    expect(second.sent[0]!.data.length).toBeLessThan(64 * 1024 * 0.9);
  });
  it('holdFirst: hands a short log over whole without a transport, streams a longer or larger one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const hold = { ms: 100, maxChunks: 4, maxBytes: 1024 };
      let opened = 0;
      const sender = new FakeSender();
      const openSender = () => {
        opened++;
        return sender;
      };
      const streamer = () => new LogStreamer({ openSender, flushDelayMs: 0, holdFirst: hold });

      const short = streamer();
      short.write('one\n', 0);
      short.write('two\n', 1);
      vi.advanceTimersByTime(99);
      const handed = await short.handOver();
      expect(text(handed)).toBe('one\ntwo\n');
      expect(handed.map((chunk) => [chunk.seq, chunk.offset])).toEqual([
        [0, 0],
        [1, 4],
      ]);
      expect(opened).toBe(0);

      // Past the hold, the log goes out as it comes; handOver() then ends the stream and hands nothing over.
      const slow = streamer();
      slow.write('early\n', 0);
      vi.advanceTimersByTime(100);
      await vi.waitFor(() => expect(text(sender.sent)).toBe('early\n'));
      slow.write('late\n', 0);
      expect(await slow.handOver()).toEqual([]);
      expect(text(sender.sent)).toBe('early\nlate\n');
      expect(sender.finished).toBe(true);

      // More than one FinishJob may carry ends the hold at once.
      const wide = new FakeSender();
      const many = new LogStreamer({ openSender: () => wide, maxChunkBytes: 300, holdFirst: hold });
      many.write('x'.repeat(1500), 0);
      await vi.waitFor(() => expect(wide.sent.length).toBeGreaterThan(0));
      expect(await many.handOver()).toEqual([]);
      expect(text(wide.sent)).toBe('x'.repeat(1500));
    } finally {
      vi.useRealTimers();
    }
  });
});
