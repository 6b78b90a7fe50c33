import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['10m', 600_000],
    ['72h', 259_200_000],
    ['2d', 172_800_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each([
    [600, 'duration 600 has no unit'],
    ['600', 'duration "600" has no unit'],
    ['1.5h', 'use whole numbers'],
    ['10 minutes', 'invalid duration "10 minutes"'],
    ['10M', 'invalid duration "10M"'],
    ['30m1h', 'largest first'],
    ['1h1h', 'largest first'],
    ['0s', 'must be greater than zero'],
    ['', 'invalid duration ""'],
    [true, 'expected a duration'],
  ])('rejects %j', (input, fragment) => {
    const result = parseDuration(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(fragment);
  });

  it('shows the expected form when a unit is missing', () => {
    const result = parseDuration('90');
    expect(result).toEqual({
      ok: false,
      message:
        'duration "90" has no unit; expected an integer with a unit (ms, s, m, h, d), e.g. "30s", "10m", "72h" or "1h30m"',
    });
  });
});
