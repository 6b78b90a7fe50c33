/**
 * Grouped counts of the farm's state for the /metrics scrape: one statement
 * each, answered from indexes where the table grows without bound (queued
 * jobs, unpublished outbox rows) and by one grouped scan of runs and jobs.
 */
import { sql } from 'drizzle-orm';
import { SESSION_STALE_MS } from './agents-repository.js';
import { type Queryable, queryRows } from './database.js';

export interface StatusCount {
  status: string;
  count: number;
}

export async function countRunsByStatus(db: Queryable): Promise<StatusCount[]> {
  return queryRows<StatusCount>(db, sql`select status, count(*)::int as count from runs group by status`);
}

export async function countJobsByStatus(db: Queryable): Promise<StatusCount[]> {
  return queryRows<StatusCount>(db, sql`select status, count(*)::int as count from jobs group by status`);
}

export interface QueueState {
  queue: string;
  /** Jobs waiting in the queue. */
  depth: number;
  /** Age of the longest-waiting queued job; null when the queue is empty. */
  oldestSeconds: number | null;
}

/**
 * Every queue that has queued jobs or is served by a connected agent (an
 * empty served queue reports depth 0 rather than vanishing).
 */
export async function readQueueStates(db: Queryable): Promise<QueueState[]> {
  const rows = await queryRows<{ queue: string; depth: number; oldest_seconds: number | null }>(
    db,
    sql`
    select queue, count(*)::int as depth, extract(epoch from now() - min(queued_at))::float8 as oldest_seconds
    from jobs where status = 'queued' group by queue
    union all
    select distinct served.queue, 0, null::float8
    from agents, jsonb_array_elements_text(agents.queues) as served(queue)
    where agents.connected_at is not null and agents.disconnected_at is null`,
  );
  const byQueue = new Map<string, QueueState>();
  for (const row of rows) {
    if (byQueue.has(row.queue) && row.depth === 0) continue;
    byQueue.set(row.queue, { queue: row.queue, depth: row.depth, oldestSeconds: row.oldest_seconds });
  }
  return [...byQueue.values()];
}

export interface AgentCounts {
  /** Agents whose Connect stream is open. */
  connected: number;
  /** Connected agents running at least one attempt. */
  busy: number;
  /** Connected agents asked to drain. */
  draining: number;
}

export async function countAgents(db: Queryable): Promise<AgentCounts> {
  const rows = await queryRows<AgentCounts>(
    db,
    sql`
    select count(*)::int as connected,
      (count(*) filter (where exists (
        select 1 from jobs where jobs.agent_id = agents.id and jobs.status = 'running')))::int as busy,
      (count(*) filter (where drain_requested))::int as draining
    from agents where connected_at is not null and disconnected_at is null
      and last_seen_at > now() - make_interval(secs => ${SESSION_STALE_MS / 1000})`,
  );
  return rows[0] ?? { connected: 0, busy: 0, draining: 0 };
}

export interface OutboxLag {
  unpublished: number;
  /** Age of the oldest unpublished row; null when everything is published. */
  oldestSeconds: number | null;
}

export async function readOutboxLag(db: Queryable): Promise<OutboxLag> {
  const rows = await queryRows<{ unpublished: number; oldest_seconds: number | null }>(
    db,
    sql`
    select count(*)::int as unpublished, extract(epoch from now() - min(created_at))::float8 as oldest_seconds
    from outbox where published_at is null`,
  );
  const row = rows[0];
  return { unpublished: row?.unpublished ?? 0, oldestSeconds: row?.oldest_seconds ?? null };
}
