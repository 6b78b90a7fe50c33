/** Registered agent processes. */
import { randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import type { Queryable } from './database.js';
import { agents } from './schema.js';

export interface Agent {
  id: string;
  name: string;
  hostname: string;
  queues: string[];
  slots: number;
  version: string;
  registeredAt: Date;
  lastSeenAt: Date;
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
      set: { ...input, lastSeenAt: sql`now()` },
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

function toAgent(row: typeof agents.$inferSelect): Agent {
  return { ...row, queues: row.queues as string[] };
}
