/** The long-lived calls agents hold open (Connect, Work), so shutdown can end them instead of waiting on them. */

interface OpenCall {
  once(event: 'close' | 'cancelled', listener: () => void): unknown;
}

export class OpenStreams {
  private readonly calls = new Map<OpenCall, () => void>();

  /** Tracks `call` until it closes; `end` is how shutdown ends it. */
  add(call: OpenCall, end: () => void): void {
    this.calls.set(call, end);
    call.once('close', () => this.calls.delete(call));
    call.once('cancelled', () => this.calls.delete(call));
  }

  endAll(): void {
    for (const end of this.calls.values()) end();
    this.calls.clear();
  }
}
