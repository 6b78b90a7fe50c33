/**
 * When each claim this controller granted was made, keyed by lease token (one
 * per attempt), until its first step is reported. Bounded: past `maxEntries`
 * the oldest claim is dropped (its first-step latency goes unobserved), so
 * attempts that end on another controller replica cannot grow it forever.
 */
export class ClaimClock {
  readonly #startedAt = new Map<string, { queue: string; atMs: number }>();

  constructor(
    private readonly maxEntries = 100_000,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  start(leaseToken: string, queue: string): void {
    this.#startedAt.set(leaseToken, { queue, atMs: this.nowMs() });
    if (this.#startedAt.size > this.maxEntries) {
      const oldest = this.#startedAt.keys().next();
      if (!oldest.done) this.#startedAt.delete(oldest.value);
    }
  }

  /** Seconds since the claim, once: later calls (a repeated report) return undefined. */
  stop(leaseToken: string): { queue: string; seconds: number } | undefined {
    const started = this.#startedAt.get(leaseToken);
    if (!started) return undefined;
    this.#startedAt.delete(leaseToken);
    return { queue: started.queue, seconds: (this.nowMs() - started.atMs) / 1000 };
  }

  forget(leaseToken: string): void {
    this.#startedAt.delete(leaseToken);
  }

  get size(): number {
    return this.#startedAt.size;
  }
}
