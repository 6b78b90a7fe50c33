/**
 * Claims that arrive while the database is busy with earlier ones leave
 * together. A claim is sent at once while fewer than `maxStatements` claim
 * statements are out; the claims that come meanwhile wait, and leave as one
 * statement (claimJobs, at most maxClaimsPerStatement each) as soon as one
 * returns. A lone claim costs what it always did; the claims of a stage that
 * fans out over many agents cost a few statements instead of one each: fewer
 * round trips, parses and commits for the controller and PostgreSQL, and no
 * claim waits for a pooled connection behind the others.
 *
 * Every claim still gets its own answer, exactly what claimJob would answer
 * (each row of a batch is its own conditional claim). A statement that fails
 * fails the claims it carried, as each would have failed alone (the database
 * away, say); one that failed because of one claim (failsOnlyTogether) is
 * made again one claim at a time.
 */
import type { Queryable } from '../store/database.js';
import {
  type ClaimInput,
  type ClaimOutcome,
  claimJob,
  claimJobs,
  failsOnlyTogether,
  maxClaimsPerStatement,
} from '../store/leases-repository.js';

interface WaitingClaim {
  input: ClaimInput;
  resolve: (outcome: ClaimOutcome) => void;
  reject: (error: unknown) => void;
}

export interface ClaimBatcherOptions {
  /** Claim statements out at once (the pooled connections claims may hold). Default 2. */
  maxStatements?: number;
  /** Observes each statement's number of claims (the controller's metrics, tests). */
  onStatement?: (claims: number) => void;
}

export class ClaimBatcher {
  readonly #db: Queryable;
  readonly #maxStatements: number;
  readonly #onStatement: ((claims: number) => void) | undefined;
  #waiting: WaitingClaim[] = [];
  #out = 0;
  #sendQueued = false;

  constructor(db: Queryable, options: ClaimBatcherOptions = {}) {
    this.#db = db;
    this.#maxStatements = Math.max(1, options.maxStatements ?? 2);
    this.#onStatement = options.onStatement;
  }

  claim(input: ClaimInput): Promise<ClaimOutcome> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject });
      // Claims that came in the same read of a socket leave together.
      if (this.#sendQueued) return;
      this.#sendQueued = true;
      queueMicrotask(() => {
        this.#sendQueued = false;
        this.#send();
      });
    });
  }

  #send(): void {
    while (this.#out < this.#maxStatements && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, maxClaimsPerStatement);
      this.#out++;
      this.#onStatement?.(batch.length);
      claimJobs(
        this.#db,
        batch.map((waiting) => waiting.input),
      )
        .then(
          (outcomes) => {
            for (const [index, waiting] of batch.entries()) waiting.resolve(outcomes[index] as ClaimOutcome);
          },
          async (error: unknown) => {
            if (batch.length === 1 || !failsOnlyTogether(error)) {
              for (const waiting of batch) waiting.reject(error);
              return;
            }
            // One claim spoiled the statement: each alone, so only that one fails.
            await Promise.allSettled(
              batch.map((waiting) => claimJob(this.#db, waiting.input).then(waiting.resolve, waiting.reject)),
            );
          },
        )
        .finally(() => {
          this.#out--;
          this.#send();
        });
    }
  }
}
