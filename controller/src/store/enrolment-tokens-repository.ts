/**
 * Agent enrolment tokens (`gantry agent-token`). Only the SHA-256 of a token is
 * stored; expiry is judged by database time, and a use is taken in the same
 * transaction as the enrolment it pays for.
 */
import { asc, eq, sql } from 'drizzle-orm';
import type { Queryable } from './database.js';
import { agentEnrolmentTokens } from './schema.js';

/** What is known of an enrolment token, never its secret. */
export interface EnrolmentToken {
  id: string;
  /** Empty: any queue. */
  queues: string[];
  /** Null: no limit until it expires. */
  usesLeft: number | null;
  expiresAt: Date;
  createdBy: string;
  createdAt: Date;
}

export interface NewEnrolmentToken {
  id: string;
  tokenHash: string;
  queues: string[];
  uses: number | null;
  /** From now, by database time. */
  expiresInMs: number;
  createdBy: string;
}

export async function insertEnrolmentToken(db: Queryable, token: NewEnrolmentToken): Promise<EnrolmentToken> {
  const rows = await db
    .insert(agentEnrolmentTokens)
    .values({
      id: token.id,
      tokenHash: token.tokenHash,
      queues: token.queues,
      usesLeft: token.uses,
      expiresAt: sql`now() + ${token.expiresInMs} * interval '1 millisecond'`,
      createdBy: token.createdBy,
    })
    .returning();
  return toEnrolmentToken(rows[0]!);
}

export type EnrolmentTokenUse =
  | { ok: true; token: EnrolmentToken }
  | { ok: false; reason: 'unknown' | 'expired' | 'used_up' };

/**
 * Takes one use of the token whose hash is `tokenHash`, locking its row until
 * the caller's transaction ends, so two agents cannot share a last use.
 */
export async function useEnrolmentToken(tx: Queryable, tokenHash: string): Promise<EnrolmentTokenUse> {
  const rows = await tx
    .select({
      row: agentEnrolmentTokens,
      expired: sql<boolean>`(${agentEnrolmentTokens.expiresAt} <= now())`,
    })
    .from(agentEnrolmentTokens)
    .where(eq(agentEnrolmentTokens.tokenHash, tokenHash))
    .for('update');
  const match = rows[0];
  if (!match) return { ok: false, reason: 'unknown' };
  if (match.expired) return { ok: false, reason: 'expired' };
  if (match.row.usesLeft !== null) {
    if (match.row.usesLeft <= 0) return { ok: false, reason: 'used_up' };
    await tx
      .update(agentEnrolmentTokens)
      .set({ usesLeft: sql`${agentEnrolmentTokens.usesLeft} - 1` })
      .where(eq(agentEnrolmentTokens.id, match.row.id));
    return { ok: true, token: toEnrolmentToken({ ...match.row, usesLeft: match.row.usesLeft - 1 }) };
  }
  return { ok: true, token: toEnrolmentToken(match.row) };
}

export async function listEnrolmentTokens(db: Queryable): Promise<EnrolmentToken[]> {
  const rows = await db.select().from(agentEnrolmentTokens).orderBy(asc(agentEnrolmentTokens.createdAt));
  return rows.map(toEnrolmentToken);
}

/** Deletes the token (agents already enrolled with it keep their credentials); false when there was none. */
export async function deleteEnrolmentToken(db: Queryable, id: string): Promise<boolean> {
  const rows = await db
    .delete(agentEnrolmentTokens)
    .where(eq(agentEnrolmentTokens.id, id))
    .returning({ id: agentEnrolmentTokens.id });
  return rows.length > 0;
}

function toEnrolmentToken(row: typeof agentEnrolmentTokens.$inferSelect): EnrolmentToken {
  return {
    id: row.id,
    queues: row.queues,
    usesLeft: row.usesLeft,
    expiresAt: row.expiresAt,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}
