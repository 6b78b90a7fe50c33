/** The small checks the agent's configuration table is built from: each turns a raw string into a value or a problem. */

/** Checks one raw value: the parsed value, or the problem with it. */
export type Check<T> = (raw: string | undefined) => { ok: true; value: T } | { ok: false; message: string };

export const valid = <T>(value: T) => ({ ok: true as const, value });
export const problem = (message: string) => ({ ok: false as const, message });

export function text(
  options: { pattern?: RegExp; message?: string; refine?: (v: string) => boolean } = {},
): Check<string> {
  return (raw) => {
    if (raw === undefined) return problem('is required');
    if (raw.length === 0) return problem('must not be empty');
    if (options.pattern && !options.pattern.test(raw)) return problem(options.message ?? 'is not valid');
    if (options.refine && !options.refine(raw)) return problem(options.message ?? 'is not valid');
    return valid(raw);
  };
}

export function integer(min: number, max: number): Check<number> {
  return (raw) => {
    if (raw === undefined || !/^\d{1,15}$/.test(raw)) return problem(`must be an integer between ${min} and ${max}`);
    const value = Number(raw);
    if (value < min) return problem(`must be at least ${min}`);
    if (value > max) return problem(`must be at most ${max}`);
    return valid(value);
  };
}

export function oneOf<const T extends string>(values: readonly T[]): Check<T> {
  return (raw) => (values.includes(raw as T) ? valid(raw as T) : problem(`must be one of ${values.join(', ')}`));
}
