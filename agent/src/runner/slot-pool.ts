/**
 * The agent's N job slots, shared by every queue's pull loop. A slot is taken
 * when an offer arrives and released after the job's workspace is cleaned up.
 */
export class SlotPool {
  readonly size: number;
  #busy = 0;
  #freeWaiters = new Set<() => void>();
  #idleWaiters: Array<() => void> = [];
  #fullListeners = new Set<() => void>();

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`slots must be a positive integer, got ${size}`);
    this.size = size;
  }

  get busy(): number {
    return this.#busy;
  }

  get free(): number {
    return this.size - this.#busy;
  }

  tryAcquire(): boolean {
    if (this.#busy >= this.size) return false;
    this.#busy++;
    if (this.#busy === this.size) for (const listener of [...this.#fullListeners]) listener();
    return true;
  }

  release(): void {
    if (this.#busy === 0) throw new Error('SlotPool.release() without a matching acquire');
    this.#busy--;
    for (const wake of [...this.#freeWaiters]) wake();
    if (this.#busy === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  /** Resolves true when a slot is free (without taking it), false if the signal aborts first. */
  waitForFree(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.#busy < this.size) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (free: boolean) => {
        this.#freeWaiters.delete(onFree);
        signal.removeEventListener('abort', onAbort);
        resolve(free);
      };
      const onFree = () => done(true);
      const onAbort = () => done(false);
      this.#freeWaiters.add(onFree);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  onFull(listener: () => void): () => void {
    this.#fullListeners.add(listener);
    return () => this.#fullListeners.delete(listener);
  }

  /** Resolves when no slot is busy. */
  idle(): Promise<void> {
    if (this.#busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}
