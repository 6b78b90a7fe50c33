/**
 * Turns a job's merged output into StreamLogs chunks: at most `maxChunkBytes`
 * each, `seq` 0,1,2… without gaps, `offset` = byte offset in the attempt's whole
 * output, one step per chunk. A partial chunk is flushed after `flushDelayMs` of
 * quiet. Output is queued in memory up to `maxQueuedBytes`; beyond that write()
 * returns false and the producer waits for drain() — output is never dropped.
 *
 * Every chunk handed to a transport is retained until the controller has
 * acknowledged that transport (a StreamLogs call is acknowledged when it ends).
 * If the transport fails with a retryable error the streamer opens a new one
 * and resends every retained chunk (the controller stores a (jobId, attempt,
 * seq) once), so a controller restart neither loses nor duplicates output.
 * Once `retainBytes` are unacknowledged the streamer ends the transport, waits
 * for the acknowledgement and continues on a new one, which bounds memory.
 * Retries are unbounded by default: `isRetryable` decides (the job runner stops
 * when the lease is lost); a non-retryable failure is acted upon as soon as the
 * transport reports it, even while the job prints nothing.
 *
 * Both bounds also hold in chunks (`maxQueuedChunks`, `retainChunks`), so a
 * job of many tiny chunks (one per short step) is bounded too. With
 * `maxBytes` (the controller's cap) only the first `maxBytes + 1` bytes of
 * output are sent — the extra byte tells the controller there was more — and
 * the rest is dropped here, the producer never held up by it.
 *
 * With `compressChunks`, long chunks are compressed as soon as they are cut
 * (chunk-compression.ts), several at once, and sent in order as they finish;
 * what is retained and resent is the compressed chunk.
 *
 * With `secrets`, every value is masked before it is cut into chunks (see
 * secret-masker.ts): the cap and the offsets count the masked output. The few
 * bytes the masker keeps back are released by the next write, by endStep()
 * (the runner calls it when a step ends), by a write for another step, and by
 * end().
 *
 * With `holdFirst`, no transport is opened until `holdFirst.ms` after the
 * first chunk was cut (or sooner, once more is queued than one FinishJob may
 * carry): a job that ends by then hands its whole log to FinishJob through
 * handOver(), and costs no StreamLogs call. A longer job's live log starts
 * that much later.
 */
import { backoffDelayMs } from '@gantry/common';
import { compressChunk, isLongChunk } from './chunk-compression.js';
import { ChunkCutter, type OutgoingLogChunk } from './chunk-cutter.js';
import { SecretMasker } from './secret-masker.js';

export type { OutgoingLogChunk } from './chunk-cutter.js';

/**
 * The transport of one attempt's log stream (a StreamLogs call in production,
 * a fake in tests). Implemented by controller-client.ts.
 */
export interface LogChunkSender {
  /** Queues a chunk; false = the transport is full, await waitDrain() before the next send. */
  send(chunk: OutgoingLogChunk): boolean;
  /** Resolves when the transport accepts more; rejects if the stream failed. */
  waitDrain(): Promise<void>;
  /** Ends the stream; resolves with the controller's highest stored seq (-1 = none). */
  finish(): Promise<number>;
  /** Cancels the stream without waiting (stale lease, agent stop). Idempotent. */
  abort(): void;
  /** Registers a listener for the transport failing on its own (once, at most). */
  onFailure?(listener: (error: unknown) => void): void;
}

export interface LogStreamerOptions {
  /** Opens a transport; called once, and again after each retryable failure. */
  openSender: () => LogChunkSender;
  /** Decides whether a transport error is worth a new stream. Default: never. */
  isRetryable?: (error: unknown) => boolean;
  /** Called once when the streamer gives up (non-retryable error or too many retries). */
  onFailure?: (error: unknown) => void;
  maxChunkBytes?: number;
  flushDelayMs?: number;
  maxQueuedBytes?: number;
  /** Queued chunks beyond which write() returns false. Default 4096. */
  maxQueuedChunks?: number;
  /** Unacknowledged bytes after which the transport is ended and acknowledged. Default 4 MiB. */
  retainBytes?: number;
  /** The same bound in chunks. Default 4096. */
  retainChunks?: number;
  /** Output past this many bytes (plus one) is not sent; 0 = no cap. Default 0. */
  maxBytes?: number;
  /** Compress long chunks before sending them (the controller accepts them so). Default false. */
  compressChunks?: boolean;
  /** Values masked as `***` in the output (granted secrets). Never logged. */
  secrets?: readonly string[];
  /**
   * Hold the first chunks back this long, and hand them over when the log
   * ends within it, up to `maxChunks` chunks and `maxBytes` bytes as sent.
   */
  holdFirst?: { ms: number; maxChunks: number; maxBytes: number };
  /** Consecutive failed transports before giving up. Default: no limit. */
  maxRetries?: number;
  /** First retry delay, doubled per consecutive failure up to `maxRetryDelayMs`. Default 100 ms. */
  retryDelayMs?: number;
  /** Default 2 s. */
  maxRetryDelayMs?: number;
}

export class LogStreamer {
  readonly #options: LogStreamerOptions;
  readonly #cutter: ChunkCutter;
  readonly #maxQueuedBytes: number;
  readonly #retainBytes: number;
  readonly #maxQueuedChunks: number;
  readonly #retainChunks: number;
  readonly #maxBytes: number;
  readonly #masker: SecretMasker;
  /** The step whose output the masker holds back bytes of. */
  #maskedStep = 0;
  /** Bytes of output taken so far (at most maxBytes + 1 when capped). */
  #taken = 0;
  /** Opened at once, or with holdFirst when the first chunk is sent (or at end() when none was). */
  #sender: LogChunkSender | undefined;
  /** The first chunks are held back (holdFirst): nothing is sent yet. */
  #holding: boolean;
  #holdTimer: NodeJS.Timeout | undefined;
  /** False once the current sender was aborted by the streamer itself. */
  #senderLive = true;
  /** Chunks cut but not yet accepted by the sender. */
  #ready: OutgoingLogChunk[] = [];
  /** What is sent for a ready chunk that is being compressed. */
  #compressing = new Map<OutgoingLogChunk, Promise<OutgoingLogChunk>>();
  #readyBytes = 0;
  /** Chunks sent on the current transport and not yet acknowledged, oldest first. */
  #retained: OutgoingLogChunk[] = [];
  #retainedBytes = 0;
  #retries = 0;
  #pumping = false;
  #failure: unknown;
  #closed = false;
  #aborted = false;
  #waiters: Array<() => void> = [];

  constructor(options: LogStreamerOptions) {
    this.#options = options;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 4 * 1024 * 1024;
    this.#retainBytes = options.retainBytes ?? 4 * 1024 * 1024;
    this.#maxQueuedChunks = options.maxQueuedChunks ?? 4096;
    this.#retainChunks = options.retainChunks ?? 4096;
    this.#maxBytes = options.maxBytes ?? 0;
    this.#masker = new SecretMasker(options.secrets ?? []);
    this.#cutter = new ChunkCutter({
      maxChunkBytes: options.maxChunkBytes ?? 1024 * 1024,
      flushDelayMs: options.flushDelayMs ?? 20,
      onChunk: (chunk) => {
        if (options.compressChunks && isLongChunk(chunk)) this.#compressing.set(chunk, compressChunk(chunk));
        this.#ready.push(chunk);
        this.#readyBytes += chunk.data.length;
        this.#holdFirstChunks();
        this.#pump();
      },
    });
    this.#holding = options.holdFirst !== undefined;
    // Open at once, so a refusal is heard even before any output, unless the log may go with FinishJob.
    if (!this.#holding) this.#sender = this.#open();
  }

  /** Starts the hold with the first chunk; ends it once more waits than handOver() may give. */
  #holdFirstChunks(): void {
    const hold = this.#options.holdFirst;
    if (!this.#holding || !hold) return;
    if (this.#ready.length > hold.maxChunks || this.#readyBytes > hold.maxBytes) this.#releaseHold();
    else this.#holdTimer ??= setTimeout(() => this.#releaseHold(), hold.ms);
  }

  #releaseHold(): void {
    clearTimeout(this.#holdTimer);
    this.#holding = false;
    this.#pump();
  }

  /**
   * Ends the log for FinishJob: when no transport was opened yet (the hold is
   * on) and the whole log fits one FinishJob, returns its chunks, in order, and
   * sends nothing; otherwise ends the stream as end() does and returns none.
   * Rejects as end() does.
   */
  async handOver(): Promise<OutgoingLogChunk[]> {
    this.endStep();
    this.#closed = true;
    this.#cutter.flush();
    const hold = this.#options.holdFirst;
    if (this.#holding && hold && this.#failure === undefined) {
      clearTimeout(this.#holdTimer);
      const chunks: OutgoingLogChunk[] = [];
      for (const cut of this.#ready) {
        const compressing = this.#compressing.get(cut);
        chunks.push(compressing ? await compressing : cut);
      }
      const bytes = chunks.reduce((sum, chunk) => sum + chunk.data.length, 0);
      if (this.#failure === undefined && chunks.length <= hold.maxChunks && bytes <= hold.maxBytes) {
        this.#ready = [];
        this.#readyBytes = 0;
        this.#compressing.clear();
        this.#wake();
        return chunks;
      }
    }
    this.#releaseHold();
    await this.end();
    return [];
  }

  /**
   * Appends output of step `stepIndex`. Returns false when the queue is over its
   * bound: the caller pauses its source until drain() resolves. Data is kept
   * either way, up to the cap, as a copy: the caller may reuse `data` at once.
   */
  write(data: Buffer | string, stepIndex: number): boolean {
    if (this.#closed || this.#failure !== undefined) return true;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (!this.#masker.active) return this.#take(bytes, stepIndex);
    if (stepIndex !== this.#maskedStep) this.endStep();
    this.#maskedStep = stepIndex;
    return this.#take(this.#masker.push(bytes), stepIndex);
  }

  /** Releases what the masker kept back of the current step's output (its step ended). */
  endStep(): void {
    if (!this.#masker.active || this.#closed || this.#failure !== undefined) return;
    this.#take(this.#masker.flush(), this.#maskedStep);
  }

  #take(data: Buffer, stepIndex: number): boolean {
    let bytes = data;
    if (bytes.length === 0) return !this.#isFull();
    if (this.#maxBytes > 0) {
      const room = this.#maxBytes + 1 - this.#taken;
      if (room <= 0) return true;
      if (bytes.length > room) bytes = bytes.subarray(0, room);
    }
    this.#taken += bytes.length;
    this.#cutter.write(bytes, stepIndex);
    return !this.#isFull();
  }

  /** Resolves once the queue is below its bound again (immediately if it is). */
  drain(): Promise<void> {
    return this.#waitUntil(() => !this.#isFull() || this.#failure !== undefined || this.#aborted);
  }

  /**
   * Flushes everything, ends the stream and waits for the controller's answer
   * (its highest stored seq), so every byte is stored before the caller reports
   * the job finished. Rejects if the transport failed for good or was aborted.
   */
  async end(): Promise<number> {
    this.endStep();
    this.#closed = true;
    this.#cutter.flush();
    if (this.#holding) this.#releaseHold();
    for (;;) {
      await this.#waitUntil(() => (this.#ready.length === 0 && !this.#pumping) || this.#failure !== undefined);
      if (this.#failure !== undefined) throw this.#failure;
      try {
        this.#sender ??= this.#open();
        const storedSeq = await this.#sender.finish();
        this.#acknowledged();
        return storedSeq;
      } catch (error) {
        await this.#recover(error);
        this.#pump();
      }
    }
  }

  /** Drops whatever is queued and cancels the transport. Idempotent. */
  abort(): void {
    clearTimeout(this.#holdTimer);
    this.#closed = true;
    this.#aborted = true;
    this.#cutter.discard();
    this.#ready = [];
    this.#readyBytes = 0;
    this.#compressing.clear();
    this.#failure ??= new Error('log stream aborted');
    this.#abortSender();
    this.#wake();
  }

  #isFull(): boolean {
    return (
      this.#cutter.pendingBytes + this.#readyBytes >= this.#maxQueuedBytes ||
      this.#ready.length >= this.#maxQueuedChunks
    );
  }

  #pump(): void {
    if (this.#pumping || this.#holding || this.#failure !== undefined) return;
    this.#pumping = true;
    void this.#pumpLoop();
  }

  /** Hands ready chunks to the sender in order, honouring its backpressure. */
  async #pumpLoop(): Promise<void> {
    while (this.#failure === undefined) {
      if (this.#ready.length === 0) break;
      if (this.#retainedBytes >= this.#retainBytes || this.#retained.length >= this.#retainChunks) {
        await this.#rotate();
        continue;
      }
      const cut = this.#ready.shift();
      if (!cut) break;
      this.#readyBytes -= cut.data.length;
      // Sent at once unless it is being compressed (waiting even a tick would slow every short chunk).
      const compressing = this.#compressing.get(cut);
      const chunk = compressing ? await this.#compressed(cut, compressing) : cut;
      if (this.#failure !== undefined) break;
      this.#retain(chunk);
      this.#wake();
      try {
        this.#sender ??= this.#open();
        if (!this.#sender.send(chunk)) await this.#sender.waitDrain();
      } catch (error) {
        await this.#recover(error);
      }
    }
    this.#pumping = false;
    this.#wake();
  }

  /** The compressed chunk to send for `cut`; the buffer `cut` was cut in goes back to the cutter. */
  async #compressed(cut: OutgoingLogChunk, compressing: Promise<OutgoingLogChunk>): Promise<OutgoingLogChunk> {
    this.#compressing.delete(cut);
    const chunk = await compressing;
    if (chunk.data !== cut.data) this.#cutter.recycle(cut.data);
    return chunk;
  }

  #retain(chunk: OutgoingLogChunk): void {
    this.#retained.push(chunk);
    this.#retainedBytes += chunk.data.length;
  }

  #open(): LogChunkSender {
    const sender = this.#options.openSender();
    this.#senderLive = true;
    // A refusal (stale lease) must stop the job now, not at its next line of output.
    sender.onFailure?.((error) => {
      if (sender !== this.#sender || !this.#senderLive || this.#failure !== undefined) return;
      if (!this.#options.isRetryable?.(error)) this.#giveUp(error);
    });
    return sender;
  }

  #abortSender(): void {
    this.#senderLive = false;
    this.#sender?.abort();
  }

  /** The controller stored everything sent on the current transport. */
  #acknowledged(): void {
    this.#retained = [];
    this.#retainedBytes = 0;
    this.#retries = 0;
  }

  /** Ends the current transport, waits for its acknowledgement, continues on a new one. */
  async #rotate(): Promise<void> {
    try {
      this.#sender ??= this.#open();
      await this.#sender.finish();
      this.#acknowledged();
      this.#sender = this.#open();
    } catch (error) {
      await this.#recover(error);
    }
  }

  #giveUp(error: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#abortSender();
    this.#options.onFailure?.(error);
    this.#wake();
  }

  /** After a transport error: new transport and resend everything unacknowledged, or give up. */
  async #recover(error: unknown): Promise<void> {
    const {
      isRetryable,
      maxRetries = Number.POSITIVE_INFINITY,
      retryDelayMs = 100,
      maxRetryDelayMs = 2000,
    } = this.#options;
    this.#abortSender();
    if (this.#aborted || this.#failure !== undefined) return;
    if (!isRetryable?.(error) || this.#retries >= maxRetries) {
      this.#giveUp(error);
      return;
    }
    const delayMs = backoffDelayMs(this.#retries + 1, { initialDelayMs: retryDelayMs, maxDelayMs: maxRetryDelayMs });
    this.#retries += 1;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (this.#aborted || this.#failure !== undefined) return;
    this.#ready = [...this.#retained, ...this.#ready];
    this.#readyBytes += this.#retainedBytes;
    this.#retained = [];
    this.#retainedBytes = 0;
    this.#sender = this.#open();
  }

  #waitUntil(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (condition()) resolve();
        else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }

  #wake(): void {
    for (const check of this.#waiters.splice(0)) check();
  }
}
