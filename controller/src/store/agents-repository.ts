/** Registered agent processes. */
import { and, asc, eq, getTableColumns, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { type Database, type Queryable, queryRows } from './database.js';
import { agents, jobs } from './schema.js';

export interface Agent {
  id: string;
  name: string;
  hostname: string;
  queues: string[];
  slots: number;
  version: string;
  registeredAt: Date;
  lastSeenAt: Date;
  connectedAt: Date | null;
  /** Set when its Connect stream closed; null while connected. */
  disconnectedAt: Date | null;
  /**
   * Its Connect stream is open on some replica, by the database's word: the
   * session is not closed, and the replica holding it vouched for it within
   * SESSION_STALE_MS (a crashed replica stops vouching).
   */
  connected: boolean;
  drainRequested: boolean;
  /** Revoked by an admin: its credential is refused. */
  revoked: boolean;
}

/**
 * A replica refreshes `last_seen_at` of the sessions it holds every
 * SESSION_STALE_MS / 5; a session not refreshed for SESSION_STALE_MS is held
 * by no live replica.
 */
export const SESSION_STALE_MS = 5_000;

const connectedNow = sql<boolean>`(${agents.connectedAt} is not null and ${agents.disconnectedAt} is null
  and ${agents.lastSeenAt} > now() - make_interval(secs => ${SESSION_STALE_MS / 1000}))`;
const withConnected = { ...getTableColumns(agents), connected: connectedNow };

export async function findAgent(db: Queryable, id: string): Promise<Agent | null> {
  const rows = await db.select(withConnected).from(agents).where(eq(agents.id, id));
  return rows[0] ? toAgent(rows[0]) : null;
}

export async function touchAgent(db: Queryable, id: string): Promise<void> {
  await db.update(agents).set({ lastSeenAt: sql`now()` }).where(eq(agents.id, id));
}

export async function listAgents(db: Queryable): Promise<Agent[]> {
  const rows = await db.select(withConnected).from(agents).orderBy(asc(agents.name));
  return rows.map(toAgent);
}

/** A job an agent is running now, as the agents list shows it. */
export interface AgentJob {
  agentId: string;
  runId: string;
  jobId: string;
  name: string;
  attempt: number;
}

/** Every running job by agent (uses the partial index on running jobs). */
export async function listRunningJobsByAgent(db: Queryable): Promise<Map<string, AgentJob[]>> {
  const rows = await db
    .select({ agentId: jobs.agentId, runId: jobs.runId, jobId: jobs.id, name: jobs.name, attempt: jobs.attempt })
    .from(jobs)
    .where(eq(jobs.status, 'running'))
    .orderBy(asc(jobs.startedAt));
  const byAgent = new Map<string, AgentJob[]>();
  for (const row of rows) {
    if (row.agentId === null) continue;
    const list = byAgent.get(row.agentId) ?? [];
    list.push({ ...row, agentId: row.agentId });
    byAgent.set(row.agentId, list);
  }
  return byAgent;
}

function toAgent(row: typeof agents.$inferSelect & { connected?: boolean }): Agent {
  return {
    id: row.id,
    name: row.name,
    hostname: row.hostname,
    queues: row.queues as string[],
    slots: row.slots,
    version: row.version,
    registeredAt: row.registeredAt,
    lastSeenAt: row.lastSeenAt,
    connectedAt: row.connectedAt,
    disconnectedAt: row.disconnectedAt,
    connected: row.connected ?? false,
    drainRequested: row.drainRequested,
    revoked: row.revokedAt !== null,
  };
}

/** What opening a Connect session did; `superseded`: a Connect the agent began later holds its session. */
export type SessionOpening = 'opened' | 'unknown_agent' | 'superseded';

/**
 * Makes `sessionId` the agent's current Connect session, unless a Connect
 * call the agent began later holds it. A replica slow to open the session of
 * a call the agent has since left (for another replica) must not replace the
 * session of the call it came back with; closing the stale call would then
 * mark a connected agent gone. `connected_at` is when the call holding the
 * session began, in database time: now() (this transaction's start) less
 * `callAgeMs()`, asked once the transaction has begun, so that waiting for a
 * connection never makes a call look younger, and no two replicas' clocks are
 * compared.
 */
export async function openAgentSession(
  db: Database,
  agentId: string,
  sessionId: string,
  callAgeMs: () => number,
): Promise<SessionOpening> {
  return db.transaction(async (tx) => {
    const callStartedAt = sql`now() - make_interval(secs => ${callAgeMs() / 1000})`;
    const opened = await tx
      .update(agents)
      .set({ sessionId, connectedAt: callStartedAt, disconnectedAt: null, lastSeenAt: sql`now()` })
      .where(and(eq(agents.id, agentId), or(isNull(agents.connectedAt), lt(agents.connectedAt, callStartedAt))))
      .returning({ id: agents.id });
    if (opened.length > 0) return 'opened';
    const known = await tx.select({ id: agents.id }).from(agents).where(eq(agents.id, agentId));
    return known.length > 0 ? 'superseded' : 'unknown_agent';
  });
}

export async function closeAgentSession(db: Queryable, agentId: string, sessionId: string): Promise<void> {
  await db
    .update(agents)
    .set({ disconnectedAt: sql`now()`, lastSeenAt: sql`now()` })
    .where(and(eq(agents.id, agentId), eq(agents.sessionId, sessionId)));
}

/** True while no newer session replaced `sessionId` (the agent has not come back). */
export async function isSessionCurrent(db: Queryable, agentId: string, sessionId: string): Promise<boolean> {
  const rows = await db.select({ sessionId: agents.sessionId }).from(agents).where(eq(agents.id, agentId));
  return rows[0]?.sessionId === sessionId;
}

export async function setDrainRequested(db: Queryable, agentId: string): Promise<boolean> {
  const rows = await db
    .update(agents)
    .set({ drainRequested: true })
    .where(eq(agents.id, agentId))
    .returning({ id: agents.id });
  return rows.length > 0;
}

/** The sessions this replica holds are alive: vouches for them (see SESSION_STALE_MS). */
export async function refreshAgentSessions(db: Queryable, sessionIds: string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  await db
    .update(agents)
    .set({ lastSeenAt: sql`now()` })
    .where(and(inArray(agents.sessionId, sessionIds), sql`${agents.disconnectedAt} is null`));
}

/**
 * An agent is gone, by database time, when its session closed more than
 * `graceMs` ago, or no replica has vouched for it for SESSION_STALE_MS +
 * `graceMs` (the replica holding it crashed, and the agent did not reconnect
 * to another).
 */
function goneFor(graceMs: number) {
  return sql`agents.session_id is not null
    and (agents.disconnected_at < now() - make_interval(secs => ${graceMs / 1000})
      or (agents.disconnected_at is null
        and agents.last_seen_at < now() - make_interval(secs => ${(SESSION_STALE_MS + graceMs) / 1000})))`;
}

/** Agents that hold running attempts but are gone (see `goneFor`), at most 500. */
export async function findGoneAgentsWithLeases(db: Queryable, graceMs: number): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`
    select agents.id from agents
    where ${goneFor(graceMs)}
      and exists (select 1 from jobs where jobs.agent_id = agents.id and jobs.status = 'running')
    limit 500`,
  );
  return rows.map((row) => row.id);
}

/**
 * Whether `agentId` is still gone (see `goneFor`): it may have come back
 * since a sweep listed it. `lock`: holds its row (for share) to the end of
 * the transaction, so a session opening meanwhile waits for it.
 */
export async function isAgentGone(
  db: Queryable,
  agentId: string,
  graceMs: number,
  options: { lock?: boolean } = {},
): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`select agents.id from agents where agents.id = ${agentId} and ${goneFor(graceMs)}${options.lock ? sql` for share` : sql``}`,
  );
  return rows.length > 0;
}
