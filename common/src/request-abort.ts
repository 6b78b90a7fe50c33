/**
 * The abort of one request: by the caller's signal, or by a timer that can be
 * armed again (a timeout on each gap of a streamed answer, say).
 *
 * Not AbortSignal.any() or AbortSignal.timeout(): the signals they make are held
 * only weakly (by their sources, by the timer), and fetch() does not hold the
 * signal it is given either. Once such a signal is garbage-collected, its abort
 * reaches nobody, and a request meant to time out hangs for good: seen as a
 * `gantry logs` that never gave up on a stalled answer. Here the caller's signal
 * holds a listener that holds this object and its controller, and the timer's
 * callback holds them too; and race() ends the caller's wait on the abort
 * itself, whatever fetch() does with it.
 */
export class RequestAbort {
  readonly #controller = new AbortController();
  readonly #caller: AbortSignal | undefined;
  readonly #onCallerAbort = () => this.#controller.abort(this.#caller?.reason);
  #timer: NodeJS.Timeout | undefined;
  #timedOut = false;

  /** `caller`: aborting it aborts the request with its reason. */
  constructor(caller?: AbortSignal) {
    this.#caller = caller;
    if (caller?.aborted) this.#onCallerAbort();
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  /** The signal to hand the request. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether the timer, not the caller, aborted the request. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** (Re)starts the timer: `ms` from now the request is aborted as timed out. */
  arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      // As AbortSignal.timeout() aborts.
      this.#controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError'));
    }, ms);
  }

  /**
   * `work`'s outcome, or a rejection with the abort's reason as soon as the
   * request is aborted, whichever comes first: the abort reaches the caller
   * even where fetch() lost it (undici follows a Request's signal through a
   * weak reference, so a Request object nobody holds any more, as
   * openapi-fetch makes them, hears of no abort). `late` gets what `work`
   * resolves to after the abort (a body to cancel, say).
   */
  race<T>(work: Promise<T>, late?: (value: T) => void): Promise<T> {
    const { signal } = this.#controller;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        reject(signal.reason);
        work.then(late, () => {});
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /** Stops the timer. */
  disarm(): void {
    clearTimeout(this.#timer);
  }

  /** Once the request is over: stops the timer and lets go of the caller's signal. */
  release(): void {
    this.disarm();
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }
}
