/** The long-lived calls agents hold open (Connect, Work), so shutdown can end them instead of waiting on them. */

interface OpenCall {
  /** Set by grpc-js before it emits 'cancelled' and closes the call. */
  readonly cancelled: boolean;
  /** Set once the call ended, before it emits 'close'. */
  readonly destroyed?: boolean;
  once(event: 'close' | 'cancelled', listener: () => void): unknown;
}

export class OpenStreams {
  private readonly calls = new Map<OpenCall, () => void>();

  /**
   * Tracks `call` until it closes; `end` is how shutdown ends it. A call
   * already cancelled or ended is not tracked: its 'close' may have fired.
   */
  add(call: OpenCall, end: () => void): void {
    if (call.cancelled || call.destroyed) return;
    this.calls.set(call, end);
    call.once('close', () => this.calls.delete(call));
    call.once('cancelled', () => this.calls.delete(call));
  }

  endAll(): void {
    for (const end of this.calls.values()) end();
    this.calls.clear();
  }
}
