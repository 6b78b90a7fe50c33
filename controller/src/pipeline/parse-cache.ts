/**
 * Parsed pipeline files by their text, for planning: the runs of one commit
 * (re-runs, many triggers of one sha, a file unchanged across commits) are
 * parsed once. Parsing is pure, so a result serves every run with the same
 * text and limits; it is frozen, so no caller can change it for the next.
 * Bounded by entries and by the bytes of text kept; the least recently used
 * goes first.
 */
import type { PipelineLimits } from './limits.js';
import { type ParseResult, parsePipeline } from './parse.js';

export interface ParseCacheBounds {
  maxEntries: number;
  maxTextBytes: number;
}

const defaultBounds: ParseCacheBounds = { maxEntries: 64, maxTextBytes: 4 * 1024 * 1024 };

export class PipelineParseCache {
  readonly #limits: PipelineLimits;
  readonly #bounds: ParseCacheBounds;
  readonly #results = new Map<string, ParseResult>();
  #textBytes = 0;

  constructor(limits: PipelineLimits, bounds: ParseCacheBounds = defaultBounds) {
    this.#limits = limits;
    this.#bounds = bounds;
  }

  parse(text: string): ParseResult {
    const cached = this.#results.get(text);
    if (cached) {
      // Most recently used last: Map keeps insertion order.
      this.#results.delete(text);
      this.#results.set(text, cached);
      return cached;
    }
    const result = deepFreeze(parsePipeline(text, this.#limits));
    const bytes = Buffer.byteLength(text);
    if (bytes > this.#bounds.maxTextBytes) return result;
    while (this.#results.size >= this.#bounds.maxEntries || this.#textBytes + bytes > this.#bounds.maxTextBytes) {
      const oldest = this.#results.keys().next();
      if (oldest.done) break;
      this.#results.delete(oldest.value);
      this.#textBytes -= Buffer.byteLength(oldest.value);
    }
    this.#results.set(text, result);
    this.#textBytes += bytes;
    return result;
  }

  get size(): number {
    return this.#results.size;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
