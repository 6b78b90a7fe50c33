/**
 * Highest VmRSS (/proc/PID/status) of some processes while a measurement runs,
 * polled every `intervalMs`. Unlike VmHWM it ignores what a process peaked at
 * before the window (start-up, earlier jobs).
 */
import { rssMiB } from './proc.js';

export class RssSampler {
  readonly #pids: number[];
  readonly #peaks: number[];
  readonly #timer: NodeJS.Timeout;

  constructor(pids: number[], intervalMs = 50) {
    this.#pids = pids;
    this.#peaks = pids.map(() => 0);
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
    this.#timer.unref(); // a measurement that throws must not keep the bench alive
  }

  /** Takes a last sample, stops polling and returns the peak of each pid in MiB (NaN if never read). */
  stop(): number[] {
    clearInterval(this.#timer);
    this.#sample();
    return this.#peaks.map((peak) => (peak > 0 ? peak : Number.NaN));
  }

  #sample(): void {
    for (const [index, pid] of this.#pids.entries()) {
      const rss = rssMiB(pid);
      if (Number.isFinite(rss)) this.#peaks[index] = Math.max(this.#peaks[index] as number, rss);
    }
  }
}
