/**
 * Splits a job shell's output stream into step output and step-end markers
 * (`<marker><exit status> <pgid> <left>\n`, see step-command.ts). Output is passed
 * on as views of the incoming buffers (no copies), except for the few bytes
 * at the end of a buffer that could be the start of a marker: those are held
 * back, copied, until the next buffer tells. A marker is found wherever it
 * starts, also right after output that did not end in a newline.
 *
 * A buffer given to push() need only be valid during the call (the agent
 * reads every output pipe into one shared buffer), and so is each piece
 * handed to `output`: a handler copies what it keeps.
 */

export interface StepEnd {
  exitCode: number;
  /** The step's process group; 0 when the step was never started. */
  pgid: number;
  /** Processes outlived the step's shell in its group (they were sent SIGTERM). */
  leftovers: boolean;
}

export interface StepMarkerHandlers {
  /** `data` is valid only during the call. */
  output(data: Buffer): void;
  stepEnd(end: StepEnd): void;
}

/** Longest `<exit status> <pgid> <left>\n` accepted after a marker. */
const maxTrailerBytes = 32;

export class StepMarkerParser {
  readonly #marker: Buffer;
  readonly #first: number;
  readonly #handlers: StepMarkerHandlers;
  #held: Buffer | undefined;

  constructor(marker: string, handlers: StepMarkerHandlers) {
    if (marker.length === 0 || /[\n\0]/.test(marker)) throw new RangeError('bad step marker');
    this.#marker = Buffer.from(marker);
    this.#first = this.#marker[0] as number;
    this.#handlers = handlers;
  }

  /** Bytes held back (a possible marker start). */
  get heldBytes(): number {
    return this.#held?.length ?? 0;
  }

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.#held) {
      data = Buffer.concat([this.#held, chunk]);
      this.#held = undefined;
    }
    const marker = this.#marker;
    let from = 0;
    while (from < data.length) {
      const at = data.indexOf(marker, from);
      if (at === -1) {
        const keep = this.#partialMarkerAt(data, from);
        if (keep > from) this.#handlers.output(data.subarray(from, keep));
        if (keep < data.length) this.#held = Buffer.from(data.subarray(keep));
        return;
      }
      if (at > from) this.#handlers.output(data.subarray(from, at));
      const trailerStart = at + marker.length;
      const newline = data.indexOf(0x0a, trailerStart);
      if (newline === -1 && data.length - trailerStart <= maxTrailerBytes) {
        this.#held = Buffer.from(data.subarray(at));
        return;
      }
      const match =
        newline !== -1 && newline - trailerStart <= maxTrailerBytes
          ? /^(\d+) (\d+) ([01])$/.exec(data.toString('latin1', trailerStart, newline))
          : null;
      if (!match) {
        // Not one of ours after all (the shell never writes this): it is output.
        this.#handlers.output(data.subarray(at, at + 1));
        from = at + 1;
        continue;
      }
      from = newline + 1;
      this.#handlers.stepEnd({ exitCode: Number(match[1]), pgid: Number(match[2]), leftovers: match[3] === '1' });
    }
  }

  /** Passes on whatever is held back (the stream ended). */
  flush(): void {
    const held = this.#held;
    this.#held = undefined;
    if (held && held.length > 0) this.#handlers.output(held);
  }

  /**
   * Where a marker may begin in the tail of `data` (after `from`): the first
   * position from which the rest of `data` is a proper prefix of the marker,
   * or data.length when there is none.
   */
  #partialMarkerAt(data: Buffer, from: number): number {
    const marker = this.#marker;
    let at = data.indexOf(this.#first, Math.max(from, data.length - marker.length + 1));
    while (at !== -1) {
      if (data.compare(marker, 0, data.length - at, at, data.length) === 0) return at;
      at = data.indexOf(this.#first, at + 1);
    }
    return data.length;
  }
}
