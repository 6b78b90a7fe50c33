/**
 * When each claim this controller granted was made, keyed by lease token (one
 * per attempt), until its first step is reported. Bounded: past `maxEntries`
 * the oldest claim is dropped (its first-step latency goes unobserved), so
 * attempts that end on another controller replica cannot grow it forever.
 */
export class ClaimClock {
  readonly #startedAt = new Map<string, { queue: string; atMs: number; wallMs: number }>();

  constructor(
    private readonly maxEntries = 100_000,
    private readonly nowMs: () => number = () => performance.now(),
    private readonly wallNowMs: () => number = Date.now,
  ) {}

  start(leaseToken: string, queue: string): void {
    this.#startedAt.set(leaseToken, { queue, atMs: this.nowMs(), wallMs: this.wallNowMs() });
    if (this.#startedAt.size > this.maxEntries) {
      const oldest = this.#startedAt.keys().next();
      if (!oldest.done) this.#startedAt.delete(oldest.value);
    }
  }

  /**
   * Seconds from the claim to `endedAtWallMs` (a time the agent reported, by
   * its clock), or to now without it, once: later calls (a repeated report)
   * return undefined. A reported time counts only within [claim, now], so a
   * skewed agent clock cannot stretch it beyond what this controller saw.
   */
  stop(leaseToken: string, endedAtWallMs?: number): { queue: string; seconds: number } | undefined {
    const started = this.#startedAt.get(leaseToken);
    if (!started) return undefined;
    this.#startedAt.delete(leaseToken);
    const elapsedMs = this.nowMs() - started.atMs;
    const reportedMs = endedAtWallMs === undefined ? elapsedMs : endedAtWallMs - started.wallMs;
    return { queue: started.queue, seconds: Math.min(elapsedMs, Math.max(0, reportedMs)) / 1000 };
  }

  forget(leaseToken: string): void {
    this.#startedAt.delete(leaseToken);
  }

  get size(): number {
    return this.#startedAt.size;
  }
}
