/**
 * Replaces secret values in a job's output with `***` before the output
 * leaves the host. For each value it looks for: the value itself, its base64
 * (standard and url-safe, unpadded, so `=` padding does not matter; also the
 * encoding of its first 3·⌊n/3⌋ bytes, which starts the encoding of the value
 * followed by anything, such as `echo "$S" | base64`), and each line of a
 * multi-line value (lines shorter than `minMaskedBytes` are left alone: they
 * would hide ordinary text).
 *
 * Output arrives in arbitrary pieces, so a value may be split across two
 * writes: the masker keeps back the last (longest pattern − 1) bytes of what
 * it was given, which is the most of a pattern that can be incomplete, and
 * releases them with the next write or at flush() (the end of a step), so no
 * output is lost and none is held longer than its step. Overlapping matches
 * are merged: every byte of any match is covered by one `***`.
 */

/** Shorter fragments (lines of a multi-line value, a base64 prefix) are not masked on their own. */
export const minMaskedBytes = 4;
const mask = Buffer.from('***');

/** Every byte string that gives a secret away, longest first. */
export function secretPatterns(values: readonly string[]): Buffer[] {
  const found = new Map<string, Buffer>();
  const add = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length >= minMaskedBytes) found.set(bytes.toString('latin1'), bytes);
  };
  const addEncodings = (bytes: Buffer) => {
    for (const part of [bytes, bytes.subarray(0, bytes.length - (bytes.length % 3))]) {
      add(part.toString('base64').replace(/=+$/, ''));
      add(part.toString('base64url'));
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
  #pending: Buffer = Buffer.alloc(0);

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
    const text = this.#pending.length === 0 ? data : Buffer.concat([this.#pending, data]);
    return this.#release(text, Math.max(0, text.length - this.#carryBytes));
  }

  /** Everything kept back, masked (end of a step or of the job). */
  flush(): Buffer {
    const text = this.#pending;
    this.#pending = Buffer.alloc(0);
    return this.#release(text, text.length);
  }

  /** Masks `text` and returns it up to `safeEnd` (or past it, to the end of a match that spans it). */
  #release(text: Buffer, safeEnd: number): Buffer {
    const spans = this.#matches(text);
    let cut = safeEnd;
    for (const [start, end] of spans) if (start < cut && end > cut) cut = end;
    this.#pending = Buffer.from(text.subarray(cut));
    const out: Buffer[] = [];
    let at = 0;
    for (const [start, end] of spans) {
      if (start >= cut) break;
      out.push(text.subarray(at, start), mask);
      at = end;
    }
    out.push(text.subarray(at, cut));
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
