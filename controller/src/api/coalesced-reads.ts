/**
 * Reads shared by the event streams that watch the same thing. Each stream
 * reads its run (or the runs list) every poll interval; a read asked for
 * within `maxAgeMs` of an earlier one of the same key gets that read's
 * answer, so a run watched from many pages costs the controller and the
 * database a few reads per second, not a few per watcher. What a stream sends
 * is then at most `maxAgeMs` older than its own read would have been.
 *
 * Only reads whose answer is the same for every caller may be shared (the
 * caller's right to read is checked before). A failed read is not kept: the
 * next one reads again. Nothing is kept past `maxAgeMs` (expired answers are
 * dropped as new reads are made, oldest first), and at most `maxKeys` keys:
 * a read that finds no room is made and not kept.
 */
export class CoalescedReads<T> {
  readonly #maxAgeMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #kept = new Map<string, { startedAt: number; answer: Promise<T> }>();

  constructor(options: { maxAgeMs: number; maxKeys?: number; now?: () => number }) {
    this.#maxAgeMs = options.maxAgeMs;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The answer of a read of `key` started less than `maxAgeMs` ago, else of `load()`, started now. */
  read(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const kept = this.#kept.get(key);
    if (kept && now - kept.startedAt < this.#maxAgeMs) return kept.answer;
    const answer = load();
    const entry = { startedAt: now, answer };
    // Deleted and set again, so that the map stays in the order reads started: oldest first.
    this.#kept.delete(key);
    this.#dropExpired(now);
    if (this.#kept.size < this.#maxKeys) this.#kept.set(key, entry);
    answer.catch(() => {
      if (this.#kept.get(key) === entry) this.#kept.delete(key);
    });
    return answer;
  }

  /** Keys kept now (for tests and bounds). */
  get size(): number {
    return this.#kept.size;
  }

  #dropExpired(now: number): void {
    for (const [key, kept] of this.#kept) {
      if (now - kept.startedAt < this.#maxAgeMs) return;
      this.#kept.delete(key);
    }
  }
}
