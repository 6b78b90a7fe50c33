/**
 * The endings of one run's attempts, one transaction at a time per run (in
 * this controller). Each ending takes the run's row lock, so PostgreSQL
 * would run them one at a time anyway, but each would wait there holding a
 * pooled connection: the finishes of a matrix stage's jobs, which come
 * together, took every connection of the pool, and claims and planning of
 * other runs waited behind them. Waiting here holds none.
 *
 * Finishes that wait while a transaction of their run is out leave together
 * in the next one (at most `maxFinishesPerTransaction`, in the order they
 * came): one BEGIN, lock and COMMIT for all of them. `together` ends a batch
 * in one transaction and answers for as many of them, from the first, as
 * it ended (one whose run advanced must be the transaction's last: the rest
 * leave in the next one). A batch whose transaction failed is made again one
 * finish at a time, so that only a finish that fails alone fails. Other
 * endings (`alone`) run by themselves, in their turn.
 */

/** Finishes that leave in one transaction at most. */
export const maxFinishesPerTransaction = 64;

type Waiting<F, R> =
  | { kind: 'finish'; finish: F; resolve: (outcome: R) => void; reject: (error: unknown) => void }
  | { kind: 'alone'; run: () => Promise<void> };

export class RunEndings<F, R> {
  readonly #together: (finishes: readonly F[]) => Promise<R[]>;
  /** Per run with endings under way: those not yet answered, the one being made first. */
  readonly #queues = new Map<string, Waiting<F, R>[]>();

  constructor(together: (finishes: readonly F[]) => Promise<R[]>) {
    this.#together = together;
  }

  /** Ends `finish` after the run's earlier endings, in one transaction with the finishes waiting with it. */
  finish(runId: string, finish: F): Promise<R> {
    return new Promise<R>((resolve, reject) => this.#enqueue(runId, { kind: 'finish', finish, resolve, reject }));
  }

  /** Runs `end` by itself after the run's earlier endings. */
  alone<T>(runId: string, end: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      this.#enqueue(runId, { kind: 'alone', run: () => end().then(resolve, reject) }),
    );
  }

  #enqueue(runId: string, waiting: Waiting<F, R>): void {
    const queue = this.#queues.get(runId);
    if (queue) {
      queue.push(waiting);
      return;
    }
    const started = [waiting];
    this.#queues.set(runId, started);
    void this.#drain(runId, started);
  }

  async #drain(runId: string, queue: Waiting<F, R>[]): Promise<void> {
    for (let first = queue[0]; first; first = queue[0]) {
      if (first.kind === 'alone') {
        queue.shift();
        await first.run();
        continue;
      }
      let count = 1;
      while (count < Math.min(queue.length, maxFinishesPerTransaction) && queue[count]?.kind === 'finish') count++;
      const batch = queue.slice(0, count) as Extract<Waiting<F, R>, { kind: 'finish' }>[];
      await this.#end(batch, queue);
    }
    this.#queues.delete(runId);
  }

  /** Ends a batch (or the part of it `together` took), taking what it answered off the queue. */
  async #end(batch: Extract<Waiting<F, R>, { kind: 'finish' }>[], queue: Waiting<F, R>[]): Promise<void> {
    let outcomes: R[];
    try {
      outcomes = await this.#together(batch.map((waiting) => waiting.finish));
      if (outcomes.length === 0 || outcomes.length > batch.length)
        throw new Error(`ended ${outcomes.length} of ${batch.length} finishes`);
    } catch (error) {
      queue.splice(0, batch.length);
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // One of them may have spoiled the transaction for all: each alone, so only that one fails.
      for (const waiting of batch) {
        await this.#together([waiting.finish]).then(
          (alone) =>
            alone.length === 1
              ? waiting.resolve(alone[0] as R)
              : waiting.reject(new Error(`ended ${alone.length} of 1 finish`)),
          (aloneError: unknown) => waiting.reject(aloneError),
        );
      }
      return;
    }
    queue.splice(0, outcomes.length);
    for (const [index, outcome] of outcomes.entries()) batch[index]?.resolve(outcome);
  }
}
