import pg from 'pg';

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** True once no process with this pid exists. */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Waits until the controller has archived the job's logs: an archive recorded, no rows left in log_chunks. */
export async function waitLogArchived(databaseUrl: string, jobId: string): Promise<void> {
  const database = new pg.Client({ connectionString: databaseUrl });
  await database.connect();
  try {
    await waitFor(`the log of job ${jobId} archived`, async () => {
      const { rows } = await database.query(
        'select (select count(*)::int from log_archives where job_id = $1) as archived, (select count(*)::int from log_chunks where job_id = $1) as chunks',
        [jobId],
      );
      return rows[0]?.archived >= 1 && rows[0]?.chunks === 0;
    });
  } finally {
    await database.end();
  }
}
