/**
 * Cuts a byte stream into numbered log chunks. A chunk is emitted as soon as
 * it is full, when the step changes (a chunk belongs to one step), on flush(),
 * or `flushDelayMs` after the oldest pending byte arrived — a live log shows a
 * line within that delay whatever the step prints next.
 */

/** One chunk as handed to the transport. */
export interface OutgoingLogChunk {
  /** 0, 1, 2, … per attempt, no gaps. */
  seq: number;
  /** Byte offset of `data` in the attempt's whole output. */
  offset: number;
  data: Buffer;
  stepIndex: number;
  /** Set when `data` was compressed (chunk-compression.ts): the output's size. */
  plainBytes?: number;
}

export interface ChunkCutterOptions {
  maxChunkBytes: number;
  flushDelayMs: number;
  onChunk: (chunk: OutgoingLogChunk) => void;
}

export class ChunkCutter {
  readonly #options: ChunkCutterOptions;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #pendingStep = 0;
  #seq = 0;
  #offset = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ChunkCutterOptions) {
    if (options.maxChunkBytes < 1) throw new RangeError('maxChunkBytes must be at least 1');
    this.#options = options;
  }

  /** Bytes received but not yet emitted. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  write(data: Buffer, stepIndex: number): void {
    if (data.length === 0) return;
    if (stepIndex !== this.#pendingStep) {
      this.flush();
      this.#pendingStep = stepIndex;
    }
    this.#pending.push(data);
    this.#pendingBytes += data.length;
    while (this.#pendingBytes >= this.#options.maxChunkBytes) this.#cut(this.#options.maxChunkBytes);
    if (this.#pendingBytes === 0) this.#clearTimer();
    // Not restarted by later writes: a steady trickle still shows within flushDelayMs.
    else this.#timer ??= setTimeout(() => this.flush(), this.#options.flushDelayMs);
  }

  /** Emits everything pending, the last chunk possibly partial. */
  flush(): void {
    this.#clearTimer();
    while (this.#pendingBytes > 0) this.#cut(Math.min(this.#pendingBytes, this.#options.maxChunkBytes));
  }

  /** Forgets pending output (the attempt is abandoned). */
  discard(): void {
    this.#clearTimer();
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #clearTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #cut(size: number): void {
    const joined = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending);
    const data = joined.subarray(0, size);
    const rest = joined.subarray(size);
    this.#pending = rest.length > 0 ? [rest] : [];
    this.#pendingBytes = rest.length;
    const chunk = { seq: this.#seq++, offset: this.#offset, data, stepIndex: this.#pendingStep };
    this.#offset += size;
    this.#options.onChunk(chunk);
  }
}
