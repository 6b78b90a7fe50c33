/** The bench's wall clock (shared with bench/direct-runner.mjs), plus a convenience. */
import { msBetween, wallNs } from '../wall-clock.mjs';

export { calibrateClock, msBetween, wallNs } from '../wall-clock.mjs';

export function msSince(fromNs: bigint): number {
  return msBetween(fromNs, wallNs());
}
