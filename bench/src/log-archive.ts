/**
 * The controller archives an ended attempt's log to the artifact store in the
 * background (gzip, then the rows leave the database). A scenario whose job
 * printed a lot waits for that before it measures anything else, so the
 * archiving's CPU and disk do not land on the next figure or its baseline.
 */
import pg from 'pg';
import { sleep } from './farm.js';

export interface LogArchive {
  /** Uncompressed bytes of the archived log. */
  bytes: number;
  /** When the archive was recorded (the database's clock), ms since the epoch. */
  createdAtMs: number;
}

/** Polls `log_archives` every 100 ms until the job's latest attempt is archived; throws after `timeoutMs`. */
export async function waitLogArchived(databaseUrl: string, jobId: string, timeoutMs: number): Promise<LogArchive> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ bytes: string; created_at: Date }>(
        'select bytes, created_at from log_archives where job_id = $1 order by attempt desc limit 1',
        [jobId],
      );
      const row = rows[0];
      if (row) return { bytes: Number(row.bytes), createdAtMs: row.created_at.getTime() };
      if (Date.now() > deadline) throw new Error(`the log of job ${jobId} was not archived within ${timeoutMs} ms`);
      await sleep(100);
    }
  } finally {
    await client.end();
  }
}
