/**
 * The SQLSTATE of a failed statement. Errors arrive wrapped (drizzle's
 * "Failed query", the scheduler's own), so the `cause` chain is read down to
 * the first error that carries a five-character code.
 */
export function sqlStateOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = current.cause;
  }
  return undefined;
}
