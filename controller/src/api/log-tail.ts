/**
 * Where a log's tail starts: past its first `skip` bytes, then past the end
 * of the line those bytes end in, so the tail opens on a whole line (or at
 * exactly `skip` when no newline follows in the chunk holding it: one line
 * longer than the tail). The pages may split the log anywhere, so the bytes
 * to skip may span any number of them.
 */
export async function skipToLineStart(
  pages: AsyncIterator<Uint8Array>,
  skip: number,
): Promise<{ first: Uint8Array | null; skipped: number }> {
  let left = skip;
  let skipped = 0;
  for (;;) {
    const next = await pages.next();
    if (next.done) return { first: null, skipped };
    const chunk = next.value;
    // A newline at or after the cut cannot be in a page that ends before it.
    if (chunk.length <= left) {
      left -= chunk.length;
      skipped += chunk.length;
      continue;
    }
    const newline = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).indexOf(10, left);
    const from = newline < 0 ? left : newline + 1;
    return { first: chunk.subarray(from), skipped: skipped + from };
  }
}
