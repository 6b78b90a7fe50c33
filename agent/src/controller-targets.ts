/**
 * Which of the controller replicas the agent talks to. Every call goes to the
 * current one; a call that finds it unreachable moves the agent to the next
 * address (round robin), so a crashed replica costs one failed call per
 * in-flight request, and retries land on a live one. Every replica serves
 * every call (the state is in the database), so the agent never needs to
 * come back to a particular one.
 */
export class ControllerTargets {
  #current = 0;

  /** `addresses` in the order to try them; at least one. */
  constructor(
    readonly addresses: readonly string[],
    private readonly onSwitch?: (from: string, to: string, reason: string) => void,
  ) {
    if (addresses.length === 0) throw new Error('ControllerTargets: at least one controller address is needed');
  }

  /** Index of the address calls go to now. */
  get current(): number {
    return this.#current;
  }

  /**
   * A call to `index` could not reach it: move on to the next address,
   * unless another failed call already moved the agent away from `index`.
   * With one address nothing changes here (its channel reconnects by
   * itself, or is replaced when its replica went silent: controller-client.ts).
   */
  unreachable(index: number, reason: string): void {
    if (index !== this.#current || this.addresses.length < 2) return;
    this.#current = (index + 1) % this.addresses.length;
    this.onSwitch?.(this.addresses[index] as string, this.addresses[this.#current] as string, reason);
  }
}
