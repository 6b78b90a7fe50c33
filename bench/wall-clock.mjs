// Wall-clock time in nanoseconds, comparable with `date +%s%N` printed by a
// step on the same machine. Plain JS so both the bench (through its loader)
// and bench/direct-runner.mjs (bare node) share one implementation.
// Date.now() has millisecond resolution, so a monotonic hrtime reading is
// anchored to the wall clock at the instant Date.now() ticks over (to within a
// few microseconds); calibrateClock() again before each scenario to absorb slewing.
let offsetNs = 0n;

export function calibrateClock() {
  let best;
  for (let i = 0; i < 10; i++) {
    // The millisecond tick happened after the previous Date.now() call began (`before`) and
    // before the current one returned (`after`): take the middle, keep the tightest sample
    // (a preempted loop iteration gives a wide, useless bracket).
    let now = Date.now();
    const start = now;
    let before = process.hrtime.bigint();
    let previous = before;
    let after = before;
    while (now === start) {
      previous = before;
      before = process.hrtime.bigint();
      now = Date.now();
      after = process.hrtime.bigint();
    }
    const width = after - previous;
    const offset = BigInt(now) * 1_000_000n - (previous + after) / 2n;
    if (best === undefined || width < best.width) best = { offset, width };
  }
  offsetNs = best?.offset ?? 0n;
}

export function wallNs() {
  return process.hrtime.bigint() + offsetNs;
}

/** Milliseconds between two wallNs()/`date +%s%N` readings, as a float. */
export function msBetween(fromNs, toNs) {
  return Number(toNs - fromNs) / 1e6;
}

calibrateClock();
