/**
 * Claimed → first step, by the agent's reported start time where there is
 * one, never outside what this controller itself saw between the claim and
 * the report.
 */
import { describe, expect, it } from 'vitest';
import { ClaimClock } from './claim-clock.js';

describe('ClaimClock', () => {
  it('counts to the reported start, bounded by the claim and the report, once per claim', () => {
    let now = 1_000;
    let wall = 50_000;
    const clock = new ClaimClock(
      10,
      () => now,
      () => wall,
    );
    for (const token of ['reported', 'early', 'late', 'unreported']) clock.start(token, 'linux');
    // The report arrives 300 ms after the claim.
    now += 300;
    wall += 300;
    expect(clock.stop('reported', 50_040)).toEqual({ queue: 'linux', seconds: 0.04 });
    expect(clock.stop('reported', 50_040)).toBeUndefined();
    // An agent clock behind the controller's, or ahead of it: never before the claim, never after the report.
    expect(clock.stop('early', 49_000)).toEqual({ queue: 'linux', seconds: 0 });
    expect(clock.stop('late', 60_000)).toEqual({ queue: 'linux', seconds: 0.3 });
    expect(clock.stop('unreported')).toEqual({ queue: 'linux', seconds: 0.3 });
    expect(clock.size).toBe(0);
  });
});
