/**
 * Step reports of one attempt, batched: what the steps did since the last
 * ReportSteps call goes out in the next one, with one call in flight at a
 * time. A step that started and ended while a call was in flight is one entry
 * (its end state and both times), so a job of 200,000 short steps costs a few
 * hundred calls instead of 400,000, and the controller sees each step once.
 *
 * Memory is bounded: at most `maxPending` entries wait; beyond that `full` is
 * true and the job runner waits for room() before it starts the next step.
 * Once a send gives up (lease lost, runner stopped) nothing more is sent and
 * every waiter is released.
 *
 * With `holdLastMs`, the report of the attempt's last step waits up to that
 * long for handOver(), which gives it to FinishJob: a short job then costs one
 * call less. A job that takes longer to end (artifacts to upload) still shows
 * its last step ended within `holdLastMs`. With `holdFirstMs`, the attempt's
 * first report (its first step started) waits up to that long as well: a job
 * whose steps are done by then reports them all with FinishJob, no
 * ReportSteps call at all; a longer one shows its first step running within
 * `holdFirstMs`.
 *
 * With `intervalMs`, a report goes out at least that long after the one
 * before it started: a job of many short steps costs a call per interval
 * rather than one per step, and a step's state reaches the controller at
 * most that much later.
 */
import type { StepReport } from '@gantry/proto';

/** The protocol's bound on entries per ReportSteps call. */
export const maxStepsPerReport = 1000;

export type StepEndState = 'succeeded' | 'failed' | 'timed_out' | 'canceled';

export interface StepReporterOptions {
  /**
   * Sends one batch, in order; resolves true once the controller stored it,
   * false when it never will (the reporter then stops). Never rejects.
   */
  send: (steps: StepReport[]) => Promise<boolean>;
  /** Entries that may wait before the steps are held up. Default 1000. */
  maxPending?: number;
  /** Default `Date.now`. */
  now?: () => number;
  /** How long the last step's report waits for handOver() (0 = not at all). Default 0. */
  holdLastMs?: number;
  /** How long the first report waits before it is sent (0 = not at all). Default 0. */
  holdFirstMs?: number;
  /** The least time from the start of one call to the next (0 = none). Default 0. */
  intervalMs?: number;
}

/** Why entries are being kept back: the first report's wait, the interval between calls, the last step's wait. */
type HoldKind = 'first' | 'interval' | 'last';

interface Entry {
  stepIndex: number;
  state: string;
  exitCode: number;
  startedAtMs: number;
  finishedAtMs: number;
}

export class StepReporter {
  readonly #options: StepReporterOptions;
  readonly #maxPending: number;
  readonly #now: () => number;
  #pending: Entry[] = [];
  #sending: Promise<void> | undefined;
  #stopped = false;
  /** While set, up to one FinishJob's worth of entries stays unsent. */
  #holding = false;
  #holdTimer: NodeJS.Timeout | undefined;
  /** The hold under way, if any (the last step's replaces any other). */
  #holdKind: HoldKind | undefined;
  /** flush() was called: nothing is held any more. */
  #unheld = false;
  #reported = false;
  #waiters: Array<() => void> = [];

  constructor(options: StepReporterOptions) {
    this.#options = options;
    this.#maxPending = options.maxPending ?? maxStepsPerReport;
    this.#now = options.now ?? Date.now;
  }

  /** True while `maxPending` entries wait: hold the next step until room(). */
  get full(): boolean {
    return !this.#stopped && this.#pending.length >= this.#maxPending;
  }

  /** Step `stepIndex` started now. */
  started(stepIndex: number): void {
    if (this.#stopped) return;
    const now = this.#now();
    this.#pending.push({ stepIndex, state: 'running', exitCode: 0, startedAtMs: now, finishedAtMs: 0 });
    const holdFirstMs = this.#options.holdFirstMs ?? 0;
    if (!this.#reported && holdFirstMs > 0) {
      this.#reported = true;
      this.#hold('first', holdFirstMs);
    }
    this.#send();
  }

  /**
   * Step `stepIndex` ended now; merged into its "running" entry when that has
   * not gone out yet. `final`: the attempt runs no more steps.
   */
  ended(stepIndex: number, state: StepEndState, exitCode: number, final = false): void {
    if (this.#stopped) return;
    const now = this.#now();
    const last = this.#pending.at(-1);
    if (last?.stepIndex === stepIndex && last.state === 'running') {
      last.state = state;
      last.exitCode = exitCode;
      last.finishedAtMs = now;
    } else {
      // Its start was sent already; the controller keeps the start time it has.
      this.#pending.push({ stepIndex, state, exitCode, startedAtMs: 0, finishedAtMs: now });
    }
    const holdLastMs = this.#options.holdLastMs ?? 0;
    if (final && holdLastMs > 0 && this.#holdKind !== 'last') this.#hold('last', holdLastMs);
    this.#send();
  }

  /** Keeps entries unsent for `ms` (a hold under way is replaced). */
  #hold(kind: HoldKind, ms: number): void {
    if (this.#unheld) return;
    clearTimeout(this.#holdTimer);
    this.#holding = true;
    this.#holdKind = kind;
    this.#holdTimer = setTimeout(() => {
      this.#holding = false;
      this.#holdKind = undefined;
      this.#holdTimer = undefined;
      this.#send();
    }, ms);
  }

  /** Resolves once fewer than `maxPending` entries wait, the reporter stopped, or `signal` aborted. */
  room(signal?: AbortSignal): Promise<void> {
    if (!this.full || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      signal?.addEventListener('abort', done, { once: true });
      this.#waiters.push(done);
    });
  }

  /**
   * Sends every entry reported so far without waiting for any hold, and
   * resolves once they are sent (or the reporter stopped). Later entries go
   * out without holds too.
   */
  async flush(): Promise<void> {
    this.#unheld = true;
    clearTimeout(this.#holdTimer);
    this.#holding = false;
    this.#holdKind = undefined;
    this.#send();
    await this.#sent();
  }

  /** Resolves once no call is in flight and none is due (what holds keep stays). */
  async #sent(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  /**
   * Ends the reporting: waits for the call in flight (and sends whatever does
   * not fit one FinishJob), then returns the entries not sent yet, in order,
   * for FinishJob to carry. Nothing is sent afterwards; empty once stopped.
   */
  async handOver(): Promise<StepReport[]> {
    clearTimeout(this.#holdTimer);
    this.#holding = true;
    this.#send();
    await this.#sent();
    const rest = this.#pending;
    this.stop();
    return rest;
  }

  /** Sends nothing more and drops what waits (the attempt is abandoned). Idempotent. */
  stop(): void {
    clearTimeout(this.#holdTimer);
    this.#stopped = true;
    this.#pending = [];
    this.#wake();
  }

  /** Entries kept back from sending: none, or one FinishJob's worth while holding (short of full: steps go on). */
  #kept(): number {
    return this.#holding ? Math.min(maxStepsPerReport, this.#maxPending - 1) : 0;
  }

  #send(): void {
    if (this.#sending || this.#pending.length <= this.#kept()) return;
    this.#sending = this.#sendLoop().finally(() => {
      this.#sending = undefined;
    });
  }

  async #sendLoop(): Promise<void> {
    const intervalMs = this.#options.intervalMs ?? 0;
    while (!this.#stopped && this.#pending.length > this.#kept()) {
      const batch = this.#pending.splice(0, maxStepsPerReport);
      const startedAt = performance.now();
      this.#wake();
      if (!(await this.#options.send(batch))) this.stop();
      // The next call waits out the interval, unless another hold (or a full queue) decides.
      const waitMs = startedAt + intervalMs - performance.now();
      if (!this.#stopped && !this.#holding && waitMs > 0) this.#hold('interval', waitMs);
    }
  }

  #wake(): void {
    if (this.full) return;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
