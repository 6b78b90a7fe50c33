/**
 * Splits the rows of a multi-row INSERT so one statement stays well under
 * PostgreSQL's 65,535 bind parameters (and a sane statement size), on both
 * PostgreSQL and PGlite.
 */

/** Rows per statement: at 10 columns, 10,000 parameters. */
export const MAX_ROWS_PER_INSERT = 1000;
/** Bytes of large values (job specs) per statement. */
export const MAX_BYTES_PER_INSERT = 8 * 1024 * 1024;

/** Consecutive slices of `rows`, each at most `maxRows` long and, when `bytesOf` is given, at most `maxBytes` (or one row). */
export function* inBatches<T>(
  rows: readonly T[],
  bytesOf: (row: T) => number = () => 0,
  maxRows = MAX_ROWS_PER_INSERT,
  maxBytes = MAX_BYTES_PER_INSERT,
): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = bytesOf(row);
    if (batch.length > 0 && (batch.length >= maxRows || bytes + size > maxBytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(row);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
