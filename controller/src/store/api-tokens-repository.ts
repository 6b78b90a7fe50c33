/**
 * API identities. Only the SHA-256 of a token is stored; the API layer makes
 * the token and hashes what a request presents. Expiry and last use are
 * judged by database time, so replicas agree.
 */
import { asc, eq, sql } from 'drizzle-orm';
import { ConflictError } from '../domain/errors.js';
import type { Queryable } from './database.js';
import { apiTokens } from './schema.js';

/** What is known of a token, never its secret. */
export interface ApiToken {
  name: string;
  roles: string[];
  email: string | null;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}

export interface NewApiToken {
  name: string;
  tokenHash: string;
  roles: string[];
  email: string | null;
  createdBy: string;
  /** From now, by database time; null: never expires. */
  expiresInMs: number | null;
}

/** How often at most a token's `last_used_at` is written. */
const lastUseResolution = sql`interval '1 minute'`;

/** Inserts a token; a taken name is a ConflictError (409). */
export async function insertApiToken(db: Queryable, token: NewApiToken): Promise<ApiToken> {
  const rows = await db
    .insert(apiTokens)
    .values({
      name: token.name,
      tokenHash: token.tokenHash,
      roles: token.roles,
      email: token.email,
      createdBy: token.createdBy,
      expiresAt: token.expiresInMs === null ? null : sql`now() + ${token.expiresInMs} * interval '1 millisecond'`,
    })
    .onConflictDoNothing({ target: apiTokens.name })
    .returning();
  const row = rows[0];
  if (!row) throw new ConflictError(`a token named "${token.name}" already exists`);
  return toApiToken(row);
}

export interface TokenMatch {
  token: ApiToken;
  expired: boolean;
  /** Its last use was recorded more than a minute ago (or never): time to record it again. */
  lastUseStale: boolean;
}

/**
 * The token whose hash is `tokenHash`, or null. The lookup compares hashes,
 * not secrets: how long it takes can tell an attacker at most something about
 * the hash of their own guess, never about a stored token.
 */
export async function findApiTokenByHash(db: Queryable, tokenHash: string): Promise<TokenMatch | null> {
  const rows = await db
    .select({
      row: apiTokens,
      expired: sql<boolean>`(${apiTokens.expiresAt} is not null and ${apiTokens.expiresAt} <= now())`,
      lastUseStale: sql<boolean>`(${apiTokens.lastUsedAt} is null or ${apiTokens.lastUsedAt} < now() - ${lastUseResolution})`,
    })
    .from(apiTokens)
    .where(eq(apiTokens.tokenHash, tokenHash));
  const match = rows[0];
  if (!match) return null;
  return { token: toApiToken(match.row), expired: match.expired, lastUseStale: match.lastUseStale };
}

/** Records a use; a no-op when one was recorded within the last minute (another replica may have). */
export async function recordApiTokenUse(db: Queryable, name: string): Promise<void> {
  await db
    .update(apiTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(
      sql`${apiTokens.name} = ${name} and (${apiTokens.lastUsedAt} is null or ${apiTokens.lastUsedAt} < now() - ${lastUseResolution})`,
    );
}

export async function listApiTokens(db: Queryable): Promise<ApiToken[]> {
  const rows = await db.select().from(apiTokens).orderBy(asc(apiTokens.name));
  return rows.map(toApiToken);
}

/** Deletes the token; false when there was none by that name. */
export async function deleteApiToken(db: Queryable, name: string): Promise<boolean> {
  const rows = await db.delete(apiTokens).where(eq(apiTokens.name, name)).returning({ name: apiTokens.name });
  return rows.length > 0;
}

function toApiToken(row: typeof apiTokens.$inferSelect): ApiToken {
  return {
    name: row.name,
    roles: row.roles as string[],
    email: row.email,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
  };
}
