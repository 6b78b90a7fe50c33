/**
 * Durations in `.gantry.yml` (`timeout: 10m`, `timeout: 72h`, `1h30m`):
 * integer + unit, units largest first, each at most once.
 */

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];

const EXPECTED = 'an integer with a unit (ms, s, m, h, d), e.g. "30s", "10m", "72h" or "1h30m"';

/** Parses a duration such as `1h30m` into milliseconds. Zero and bare numbers are rejected. */
export function parseDuration(input: unknown): DurationResult {
  if (typeof input === 'number') {
    return { ok: false, message: `duration ${input} has no unit; expected ${EXPECTED}` };
  }
  if (typeof input !== 'string') {
    return { ok: false, message: `expected a duration, ${EXPECTED}` };
  }
  const text = input.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    return { ok: false, message: `duration "${input}" has no unit; expected ${EXPECTED}` };
  }
  const invalid: DurationResult = { ok: false, message: `invalid duration "${input}"; expected ${EXPECTED}` };
  if (text === '') return invalid;
  if (/\d\.\d/.test(text)) {
    return { ok: false, message: `invalid duration "${input}"; use whole numbers, e.g. "1h30m" instead of "1.5h"` };
  }

  const part = /(\d+)(ms|s|m|h|d)/y;
  let ms = 0;
  let previousRank = -1;
  while (part.lastIndex < text.length) {
    const match = part.exec(text);
    if (match === null) return invalid;
    const unit = match[2] as Unit;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= previousRank) {
      return { ok: false, message: `invalid duration "${input}"; write units largest first, each once (e.g. "1h30m")` };
    }
    previousRank = rank;
    ms += Number(match[1]) * UNIT_MS[unit];
  }
  if (!Number.isSafeInteger(ms)) return { ok: false, message: `duration "${input}" is too long` };
  if (ms === 0) return { ok: false, message: `duration "${input}" must be greater than zero` };
  return { ok: true, ms };
}
