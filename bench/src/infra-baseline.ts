/**
 * The ceiling scenario's baseline: how many times per second one Node process
 * (the bench's) can do the least a dispatched job needs from the farm's
 * services, on the same Postgres server and nats-server: one write
 * transaction (BEGIN, an INSERT of a small row, COMMIT) followed by one
 * JetStream publish awaited until the server's ack, `concurrency` of these in
 * flight. A job costs the controller several transactions and a publish, so
 * this is a rate no controller on these services could beat; the figure's
 * ratio says what share of it the farm reaches.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import pg from 'pg';

export interface InfraBaselineOptions {
  databaseUrl: string;
  natsUrl: string;
  durationMs: number;
  concurrency: number;
}

export interface InfraBaseline {
  opsPerSecond: number;
  ops: number;
  /** CPU ms this process spent per operation (driver, client, event loop). */
  cpuMsPerOp: number;
}

const table = 'bench_ceiling_baseline';
const stream = 'BENCH_CEILING_BASELINE';
const subject = 'bench.ceiling.baseline';

export async function measureInfraRate(options: InfraBaselineOptions): Promise<InfraBaseline> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.concurrency });
  const nc = await connect({ servers: options.natsUrl });
  try {
    await pool.query(`create table if not exists ${table} (id text primary key, payload jsonb not null)`);
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [subject] });
    const js = nc.jetstream();
    const payload = JSON.stringify({ jobId: randomBytes(8).toString('hex'), attempt: 1 });
    const one = async (id: string) => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query(`insert into ${table} (id, payload) values ($1, $2)`, [id, payload]);
        await client.query('commit');
      } finally {
        client.release();
      }
      await js.publish(subject, new TextEncoder().encode(payload), { msgID: id });
    };
    // Warm the pool's connections and the publish path before timing.
    await Promise.all(Array.from({ length: options.concurrency }, (_, i) => one(`warm-${i}`)));
    let ops = 0;
    const cpuBefore = process.cpuUsage();
    const start = process.hrtime.bigint();
    const endNs = start + BigInt(options.durationMs) * 1_000_000n;
    const worker = async (index: number) => {
      for (let i = 0; process.hrtime.bigint() < endNs; i++) {
        await one(`${index}-${i}`);
        ops++;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
    const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    const cpu = process.cpuUsage(cpuBefore);
    await jsm.streams.delete(stream);
    await pool.query(`drop table ${table}`);
    return { ops, opsPerSecond: (ops / elapsedMs) * 1000, cpuMsPerOp: (cpu.user + cpu.system) / 1000 / ops };
  } finally {
    await nc.close().catch(() => {});
    await pool.end().catch(() => {});
  }
}
