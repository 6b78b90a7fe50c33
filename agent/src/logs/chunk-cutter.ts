/**
 * Cuts a byte stream into numbered log chunks. A chunk is emitted as soon as
 * it is full, when the step changes (a chunk belongs to one step), on flush(),
 * or `flushDelayMs` after the oldest pending byte arrived — a live log shows a
 * line within that delay whatever the step prints next.
 *
 * write() copies what it is given into the chunk being filled, so the caller
 * may reuse its buffer as soon as write() returns (the agent reads every
 * output pipe into one shared buffer). A full chunk is handed over as the
 * buffer it was filled in; once the caller no longer needs that chunk's data
 * (it sent a compressed copy instead), recycle() gives the buffer back for a
 * later chunk, so long output fills the same few buffers over and over
 * instead of touching fresh memory for every megabyte.
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

/** The first buffer of a chunk is this small (a short step's output needs no more), then grows to maxChunkBytes. */
const firstBufferBytes = 16 * 1024;
/** Recycled buffers kept for later chunks: enough for the chunks compressing at once. */
const maxSpareBuffers = 2;

export class ChunkCutter {
  readonly #options: ChunkCutterOptions;
  /** The chunk being filled: bytes [0, #filled) are pending. */
  #buffer: Buffer | undefined;
  #filled = 0;
  /** Full-size buffers given back by recycle(). */
  readonly #spare: Buffer[] = [];
  /** Full-size buffers handed over in a chunk: only these are taken back. */
  readonly #handedOver = new WeakSet<ArrayBufferLike>();
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
    return this.#filled;
  }

  /** Appends a copy of `data`: the caller may reuse `data` once this returns. */
  write(data: Uint8Array, stepIndex: number): void {
    if (data.length === 0) return;
    if (stepIndex !== this.#pendingStep) {
      this.flush();
      this.#pendingStep = stepIndex;
    }
    const max = this.#options.maxChunkBytes;
    let from = 0;
    while (from < data.length) {
      const buffer = this.#room(data.length - from);
      const copied = Math.min(data.length - from, buffer.length - this.#filled);
      buffer.set(data.subarray(from, from + copied), this.#filled);
      this.#filled += copied;
      from += copied;
      if (this.#filled === max) this.#emitWhole();
    }
    if (this.#filled === 0) this.#clearTimer();
    // Not restarted by later writes: a steady trickle still shows within flushDelayMs.
    else this.#timer ??= setTimeout(() => this.flush(), this.#options.flushDelayMs);
  }

  /** Emits everything pending as one chunk, possibly partial. */
  flush(): void {
    this.#clearTimer();
    const buffer = this.#buffer;
    if (!buffer || this.#filled === 0) return;
    if (this.#filled * 2 >= buffer.length) {
      this.#emitWhole();
      return;
    }
    // Mostly empty: a copy of the output goes, and the buffer stays for the next chunk.
    const data = Buffer.from(buffer.subarray(0, this.#filled));
    this.#filled = 0;
    this.#emit(data);
  }

  /** Forgets pending output (the attempt is abandoned). */
  discard(): void {
    this.#clearTimer();
    this.#filled = 0;
  }

  /**
   * Takes back the data of a chunk this cutter emitted, for a later chunk to
   * be filled in. The caller must hold no other reference to it: what is
   * written next overwrites it. Data the cutter did not hand over is ignored.
   */
  recycle(data: Buffer): void {
    const memory = data.buffer;
    if (!this.#handedOver.has(memory) || this.#spare.length >= maxSpareBuffers) return;
    this.#handedOver.delete(memory);
    this.#spare.push(Buffer.from(memory, 0, this.#options.maxChunkBytes));
  }

  /** The chunk buffer, with room for at least one more byte (and for `wanted` if it fits a chunk). */
  #room(wanted: number): Buffer {
    const max = this.#options.maxChunkBytes;
    const buffer = this.#buffer;
    if (buffer && this.#filled < buffer.length) return buffer;
    if (!buffer && wanted < firstBufferBytes && max > firstBufferBytes) {
      this.#buffer = Buffer.allocUnsafeSlow(firstBufferBytes);
      return this.#buffer;
    }
    // Full size from here: a spare, or new memory (with what a first, small buffer holds).
    const grown = this.#spare.pop() ?? Buffer.allocUnsafeSlow(max);
    if (buffer) buffer.copy(grown, 0, 0, this.#filled);
    this.#buffer = grown;
    return grown;
  }

  /** Emits the chunk buffer as it is (the next chunk is filled in another). */
  #emitWhole(): void {
    const buffer = this.#buffer as Buffer;
    const data = buffer.subarray(0, this.#filled);
    if (buffer.length === this.#options.maxChunkBytes) this.#handedOver.add(buffer.buffer);
    this.#buffer = undefined;
    this.#filled = 0;
    this.#emit(data);
  }

  #emit(data: Buffer): void {
    const chunk = { seq: this.#seq++, offset: this.#offset, data, stepIndex: this.#pendingStep };
    this.#offset += data.length;
    this.#options.onChunk(chunk);
  }

  #clearTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
