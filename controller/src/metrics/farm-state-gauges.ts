/**
 * Gauges of the farm's state, read from the database when Prometheus scrapes
 * (prom-client calls every `collect()` of a scrape concurrently; gauges fed by
 * the same statement share one read). When a read fails the scrape still
 * answers: the affected gauges report nothing and the failure is logged.
 */
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { jobStatuses, runStatuses } from '../domain/states.js';
import type { Database, PoolUse } from '../store/database.js';
import {
  countAgents,
  countJobsByStatus,
  countRunsByStatus,
  readOutboxLag,
  readQueueStates,
  type StatusCount,
} from '../store/farm-state-repository.js';

export interface FarmStateSource {
  db: Database;
  /** PostgreSQL pool use; absent on PGlite, where the pool gauges are not registered. */
  poolUse?: (() => PoolUse) | undefined;
  log: Logger;
}

export function registerFarmStateGauges(registry: Registry, source: FarmStateSource): void {
  const { db, log } = source;
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: () => void | Promise<void>,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        await collect();
      },
    });
  /** Runs `read` once per scrape however many gauges ask; null (logged) when it fails. */
  const perScrape = <T>(what: string, read: () => Promise<T>) => {
    let pending: Promise<T | null> | undefined;
    return () =>
      (pending ??= read()
        .catch((error: unknown) => {
          log.warn({ err: error, what }, 'metrics read failed');
          return null;
        })
        .finally(() => {
          pending = undefined;
        }));
  };
  const byStatus = (statuses: readonly string[], counts: StatusCount[] | null) => {
    if (!counts) return [];
    const values = new Map<string, number>(statuses.map((status) => [status, 0]));
    for (const { status, count } of counts) values.set(status, count);
    return [...values];
  };

  const runs = perScrape('runs', () => countRunsByStatus(db));
  const runsGauge = gauge('gantry_runs', 'Runs by status.', ['status'], async () => {
    for (const [status, count] of byStatus(runStatuses, await runs())) runsGauge.set({ status }, count);
  });
  const jobs = perScrape('jobs', () => countJobsByStatus(db));
  const jobsGauge = gauge(
    'gantry_jobs',
    'Jobs by status (a job counts once, in its current attempt).',
    ['status'],
    async () => {
      for (const [status, count] of byStatus(jobStatuses, await jobs())) jobsGauge.set({ status }, count);
    },
  );

  const queues = perScrape('queues', () => readQueueStates(db));
  const depth = gauge('gantry_queue_depth', 'Queued jobs per queue (served queues report 0).', ['queue'], async () => {
    for (const state of (await queues()) ?? []) depth.set({ queue: state.queue }, state.depth);
  });
  const oldest = gauge(
    'gantry_queue_oldest_age_seconds',
    'Age of the longest-waiting queued job per queue (0 when none waits).',
    ['queue'],
    async () => {
      for (const state of (await queues()) ?? []) oldest.set({ queue: state.queue }, state.oldestSeconds ?? 0);
    },
  );

  const agents = perScrape('agents', () => countAgents(db));
  const agentGauge = (name: string, help: string, field: 'connected' | 'busy' | 'draining') => {
    const agentsGauge = gauge(name, help, [], async () => {
      const counts = await agents();
      if (counts) agentsGauge.set(counts[field]);
    });
  };
  agentGauge('gantry_agents_connected', 'Agents whose Connect stream is open.', 'connected');
  agentGauge('gantry_agents_busy', 'Connected agents running at least one attempt.', 'busy');
  agentGauge('gantry_agents_draining', 'Connected agents asked to drain.', 'draining');

  const outbox = perScrape('outbox', () => readOutboxLag(db));
  const unpublished = gauge('gantry_outbox_unpublished', 'Outbox rows not yet published to NATS.', [], async () => {
    const lag = await outbox();
    if (lag) unpublished.set(lag.unpublished);
  });
  const outboxAge = gauge(
    'gantry_outbox_oldest_age_seconds',
    'Age of the oldest unpublished outbox row (0 when all are published).',
    [],
    async () => {
      const lag = await outbox();
      if (lag) outboxAge.set(lag.oldestSeconds ?? 0);
    },
  );

  const { poolUse } = source;
  if (!poolUse) return;
  const poolGauge = (name: string, help: string, field: keyof PoolUse) => {
    const pool: Gauge = gauge(name, help, [], () => {
      pool.set(poolUse()[field]);
    });
  };
  poolGauge('gantry_db_pool_connections', 'Open PostgreSQL connections of the pool, idle or in use.', 'total');
  poolGauge('gantry_db_pool_idle_connections', 'Idle PostgreSQL connections of the pool.', 'idle');
  poolGauge('gantry_db_pool_waiting_queries', 'Queries waiting for a pool connection.', 'waiting');
}
