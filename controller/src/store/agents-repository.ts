/** Registered agent processes. */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Queryable } from './database.js';
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
  drainRequested: boolean;
}

export interface AgentRegistration {
  name: string;
  hostname: string;
  queues: string[];
  slots: number;
  version: string;
}

/** Upserts by name: an agent that re-registers under the same name keeps its id. */
export async function registerAgent(db: Queryable, input: AgentRegistration): Promise<Agent> {
  const rows = await db
    .insert(agents)
    .values({ id: randomUUID(), ...input })
    .onConflictDoUpdate({
      target: agents.name,
      set: { ...input, lastSeenAt: sql`now()`, drainRequested: false },
    })
    .returning();
  return toAgent(rows[0]!);
}

export async function findAgent(db: Queryable, id: string): Promise<Agent | null> {
  const rows = await db.select().from(agents).where(eq(agents.id, id));
  return rows[0] ? toAgent(rows[0]) : null;
}

export async function touchAgent(db: Queryable, id: string): Promise<void> {
  await db.update(agents).set({ lastSeenAt: sql`now()` }).where(eq(agents.id, id));
}

export async function listAgents(db: Queryable): Promise<Agent[]> {
  const rows = await db.select().from(agents).orderBy(asc(agents.name));
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

function toAgent(row: typeof agents.$inferSelect): Agent {
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
    drainRequested: row.drainRequested,
  };
}

/** Makes `sessionId` the agent's current Connect session. False when the agent is unknown. */
export async function openAgentSession(db: Queryable, agentId: string, sessionId: string): Promise<boolean> {
  const rows = await db
    .update(agents)
    .set({ sessionId, connectedAt: sql`now()`, disconnectedAt: null, lastSeenAt: sql`now()` })
    .where(eq(agents.id, agentId))
    .returning({ id: agents.id });
  return rows.length > 0;
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
