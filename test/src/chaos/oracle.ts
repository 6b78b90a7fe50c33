/**
 * The test oracle: reads the controller's Postgres directly (it stays up while
 * the controller is down). Times come back as microseconds since the epoch,
 * database clock, so intervals compare exactly.
 */
import { gunzipSync } from 'node:zlib';
import pg from 'pg';

export type Micros = number;

export interface RunRow {
  id: string;
  status: string;
  idempotencyKey: string | null;
  error: string | null;
}

export interface JobRow {
  id: string;
  runId: string;
  stage: string;
  name: string;
  status: string;
  attempt: number;
}

export interface AttemptRow {
  jobId: string;
  attempt: number;
  status: string;
  agentId: string;
  message: string | null;
  startedAt: Micros;
  finishedAt: Micros | null;
}

const TERMINAL_JOB = ['succeeded', 'failed', 'canceled', 'timed_out'];
export const TERMINAL_RUN = ['succeeded', 'failed', 'canceled', 'rejected'];

const micros = (column: string) => `(extract(epoch from ${column}) * 1000000)::float8`;

export class Oracle {
  readonly #pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.#pool = new pg.Pool({ connectionString: databaseUrl, max: 3, connectionTimeoutMillis: 10_000 });
    this.#pool.on('error', () => {});
    // The database may be the one a fault restarts: a client it drops must not crash the run.
    this.#pool.on('connect', (client) => client.on('error', () => {}));
  }

  close(): Promise<void> {
    return this.#pool.end();
  }

  async runs(): Promise<RunRow[]> {
    const { rows } = await this.#pool.query(
      'select id, status, idempotency_key as "idempotencyKey", error from runs order by created_at, id',
    );
    return rows;
  }

  async runStatuses(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.#pool.query<{ id: string; status: string }>(
      'select id, status from runs where id = any($1)',
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.status]));
  }

  async terminalJobCount(): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>('select count(*) as n from jobs where status = any($1)', [
      TERMINAL_JOB,
    ]);
    return Number(rows[0]?.n ?? 0);
  }

  async jobs(): Promise<JobRow[]> {
    const { rows } = await this.#pool.query(
      `select j.id, j.run_id as "runId", s.name as stage, j.name, j.status, j.attempt
         from jobs j join stages s on s.id = j.stage_id order by j.run_id, s.position, j.position`,
    );
    return rows;
  }

  async attempts(): Promise<AttemptRow[]> {
    const { rows } = await this.#pool.query(
      `select job_id as "jobId", attempt, status, agent_id as "agentId", message,
              ${micros('started_at')} as "startedAt", ${micros('finished_at')} as "finishedAt"
         from job_attempts order by job_id, attempt`,
    );
    return rows;
  }

  /** Attempts the agent holds now (status running). */
  async runningAttemptsOf(agentId: string): Promise<{ jobId: string; attempt: number }[]> {
    const { rows } = await this.#pool.query(
      `select job_id as "jobId", attempt from job_attempts where agent_id = $1 and status = 'running'`,
      [agentId],
    );
    return rows;
  }

  /** Every attempt running now, with the agent holding it. */
  async runningAttempts(): Promise<{ jobId: string; attempt: number; agentId: string }[]> {
    const { rows } = await this.#pool.query(
      `select job_id as "jobId", attempt, agent_id as "agentId" from job_attempts where status = 'running'`,
    );
    return rows;
  }

  /** Status of each given attempt, and when the next attempt of its job started (null: none yet). */
  async attemptFates(
    attempts: { jobId: string; attempt: number }[],
  ): Promise<{ jobId: string; attempt: number; status: string; nextStartedAt: Micros | null }[]> {
    if (attempts.length === 0) return [];
    const { rows } = await this.#pool.query(
      `select a.job_id as "jobId", a.attempt, a.status, ${micros('n.started_at')} as "nextStartedAt"
         from job_attempts a
         left join job_attempts n on n.job_id = a.job_id and n.attempt = a.attempt + 1
        where (a.job_id, a.attempt) in (select * from unnest($1::text[], $2::int[]))`,
      [attempts.map((a) => a.jobId), attempts.map((a) => a.attempt)],
    );
    return rows;
  }

  /** The log of one attempt as stored, chunks in seq order (a long chunk is stored as a gzip member). */
  async attemptLog(jobId: string, attempt: number): Promise<string> {
    const { rows } = await this.#pool.query<{ data: Buffer; plain_bytes: number | null }>(
      'select data, plain_bytes from log_chunks where job_id = $1 and attempt = $2 order by seq',
      [jobId, attempt],
    );
    return Buffer.concat(rows.map((row) => (row.plain_bytes === null ? row.data : gunzipSync(row.data)))).toString(
      'utf8',
    );
  }

  /** The database clock, in microseconds. */
  async now(): Promise<Micros> {
    const { rows } = await this.#pool.query<{ now: number }>(`select ${micros('clock_timestamp()')} as now`);
    return rows[0]?.now ?? 0;
  }
}
