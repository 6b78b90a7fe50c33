/**
 * A page of a list read one row past its size: the rows it shows, and the
 * key of its last row as the `before` of the next page (null when no row was
 * left over, so nothing is older).
 */
export function pageOf<Row, Key>(
  rows: readonly Row[],
  limit: number,
  keyOf: (row: Row) => Key,
): { page: Row[]; next: Key | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, next: rows.length > limit && last !== undefined ? keyOf(last) : null };
}
