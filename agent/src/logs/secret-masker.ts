/**
 * Replaces secret values in a job's output with `***` before the output
 * leaves the host. For each value it looks for: the value itself, its base64
 * (standard and url-safe, unpadded, so `=` padding does not matter; also the
 * encoding of its first 3·⌊n/3⌋ bytes, which starts the encoding of the value
 * followed by anything, such as `echo "$S" | base64`; and each 76-character
 * line of those, as `base64` wraps a long value's), and each line of a
 * multi-line value (lines shorter than `minMaskedBytes` are left alone: they
 * would hide ordinary text).
 *
 * What is masked: every byte that lies in some occurrence of some pattern
 * (occurrences found independently, so they may overlap) is hidden, and each
 * maximal run of such bytes, whether its occurrences overlap or only touch,
 * becomes one `***`. So `abcdef12` and `ef12ghij` printed as `abcdef12ghij`
 * give one `***`, and no piece of either value shows.
 *
 * Output arrives in arbitrary pieces, and the result does not depend on where
 * they split: the same as if the step's whole output had come in one write.
 * The masker keeps back the last (longest pattern − 1) bytes it was given,
 * the most of an occurrence that can still be incomplete, and releases them
 * with the next write or at flush() (the end of a step), so no output is lost
 * and none is held longer than its step. A byte before that tail is released
 * only once every occurrence that could cover it is complete in view; to see
 * occurrences that began in output already released, the masker also keeps
 * the last (longest pattern − 1) released bytes, and whether the last one was
 * masked, so a run of masked bytes crossing a write is not given a second
 * `***`. flush() forgets all of it: the next step starts afresh.
 */

/** Shorter fragments (lines of a multi-line value, a base64 prefix) are not masked on their own. */
export const minMaskedBytes = 4;
const mask = Buffer.from('***');
/** Where GNU `base64` wraps its lines by default. */
const base64LineLength = 76;

/** Every byte string that gives a secret away, longest first. */
export function secretPatterns(values: readonly string[]): Buffer[] {
  const found = new Map<string, Buffer>();
  const add = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length >= minMaskedBytes) found.set(bytes.toString('latin1'), bytes);
  };
  const addEncodings = (bytes: Buffer) => {
    for (const part of [bytes, bytes.subarray(0, bytes.length - (bytes.length % 3))]) {
      for (const encoded of [part.toString('base64').replace(/=+$/, ''), part.toString('base64url')]) {
        add(encoded);
        // `base64` (and `basenc`) wrap their output at 76 characters: each line gives 57 bytes away.
        if (encoded.length > base64LineLength) {
          for (let at = 0; at < encoded.length; at += base64LineLength) add(encoded.slice(at, at + base64LineLength));
        }
      }
    }
  };
  for (const value of values) {
    if (value === '') continue;
    add(value);
    addEncodings(Buffer.from(value, 'utf8'));
    for (const line of value.split('\n')) add(line.replace(/\r$/, ''));
  }
  return [...found.values()].sort((a, b) => b.length - a.length);
}

export class SecretMasker {
  readonly #patterns: Buffer[];
  readonly #carryBytes: number;
  /** Output not released yet. */
  #pending: Buffer = Buffer.alloc(0);
  /** The last released bytes (at most #carryBytes): occurrences that began in them may still cover #pending. */
  #released: Buffer = Buffer.alloc(0);
  /** Whether the last released byte was masked (its `***` is out, and continues into #pending). */
  #releasedMasked = false;

  constructor(values: readonly string[]) {
    this.#patterns = secretPatterns(values);
    this.#carryBytes = Math.max(0, (this.#patterns[0]?.length ?? 0) - 1);
  }

  /** False when there is nothing to mask: output can bypass the masker. */
  get active(): boolean {
    return this.#patterns.length > 0;
  }

  /** Masks what can be decided now; keeps back a tail that may be the start of a secret. */
  push(data: Buffer): Buffer {
    if (!this.active) return data;
    const text = Buffer.concat([this.#released, this.#pending, data]);
    return this.#release(text, this.#released.length, text.length - this.#carryBytes);
  }

  /** Everything kept back, masked (end of a step or of the job); the next write starts a new step. */
  flush(): Buffer {
    const text = Buffer.concat([this.#released, this.#pending]);
    const out = this.#release(text, this.#released.length, text.length);
    this.#pending = Buffer.alloc(0);
    this.#released = Buffer.alloc(0);
    this.#releasedMasked = false;
    return out;
  }

  /**
   * Releases `text` from `from` (what precedes it was released already) up to
   * `safeEnd`, masked. Every occurrence that starts before `safeEnd` is
   * complete in `text`, and one that covers a byte at or after `from` starts
   * at or after 0, so whether each released byte is masked is final; a mask
   * that crosses `safeEnd` is cut there and continued by the next release.
   */
  #release(text: Buffer, from: number, safeEnd: number): Buffer {
    const cut = Math.max(from, safeEnd);
    const out: Buffer[] = [];
    let at = from;
    for (const [start, end] of this.#matches(text)) {
      if (end <= at) continue;
      if (start >= cut) break;
      const maskFrom = Math.max(start, at);
      out.push(text.subarray(at, maskFrom));
      // A run of masked bytes that continues one released before has its `***` out already.
      if (!(maskFrom === from && this.#releasedMasked)) out.push(mask);
      at = Math.min(end, cut);
    }
    out.push(text.subarray(at, cut));
    // `at` only moves to the end of a mask: at `cut`, the last byte released was masked.
    if (cut > from) this.#releasedMasked = at === cut;
    this.#released = Buffer.from(text.subarray(Math.max(0, cut - this.#carryBytes), cut));
    this.#pending = Buffer.from(text.subarray(cut));
    return Buffer.concat(out);
  }

  /** Every match of every pattern in `text`, merged into disjoint [start, end) spans, in order. */
  #matches(text: Buffer): [number, number][] {
    const spans: [number, number][] = [];
    for (const pattern of this.#patterns) {
      for (let at = text.indexOf(pattern); at !== -1; at = text.indexOf(pattern, at + 1)) {
        spans.push([at, at + pattern.length]);
      }
    }
    spans.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const span of spans) {
      const last = merged.at(-1);
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push([span[0], span[1]]);
    }
    return merged;
  }
}
