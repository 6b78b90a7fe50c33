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
  const text = (await store.getObject(archive.key)).pipe(createGunzip());
  for await (const chunk of text as AsyncIterable<Buffer>) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
}
