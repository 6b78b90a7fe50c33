/**
 * A job attempt's log wherever it is: the rows still in the database, then
 * (once the attempt's log was archived) the rest from the store, gunzipped.
 * Because the archive holds exactly the chunks' bytes in order, a read that
 * began on the rows and lost them to the archiver mid-way continues from the
 * archive at the byte it had reached: the caller sees the same bytes either way.
 */
import { createGunzip } from 'node:zlib';
import type { Queryable } from '../store/database.js';
import { findLogArchive } from '../store/log-archives-repository.js';
import type { ArtifactStore } from './artifact-store.js';

export async function* continueFromArchive(
  db: Queryable,
  store: ArtifactStore,
  jobId: string,
  fromDatabase: AsyncGenerator<Uint8Array>,
  /** The attempt read, resolved once the database rows are exhausted (null: there was none). */
  attemptOf: () => Promise<number | null>,
  /** Where in the log the database pages begin (a tail starts past 0). */
  fromByte = 0,
): AsyncGenerator<Uint8Array> {
  let yielded = fromByte;
  for await (const page of fromDatabase) {
    yielded += page.length;
    yield page;
  }
  const attempt = await attemptOf();
  if (attempt === null) return;
  const archive = await findLogArchive(db, jobId, attempt);
  if (!archive || archive.bytes <= yielded) return;
  let skip = yielded;
  // Never more than the recorded size: the members agents compressed were checked for form only.
  let left = archive.bytes - yielded;
  const stored =
    archive.storedOffset === null || archive.storedLength === null
      ? await store.getObject(archive.key)
      : await store.getObjectRange(archive.key, archive.storedOffset, archive.storedLength);
  const text = stored.pipe(createGunzip());
  try {
    for await (const chunk of text as AsyncIterable<Buffer>) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const part = chunk.subarray(skip, skip + left);
      skip = 0;
      left -= part.length;
      yield part;
      if (left === 0) return;
    }
  } finally {
    // Stopped early (the recorded size, or the reader went away): let go of the stored object too.
    stored.destroy();
  }
}
