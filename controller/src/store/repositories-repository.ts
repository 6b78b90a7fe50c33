/** Repositories registered for push webhooks: their URL and the secret their webhooks are signed with. */
import { asc, inArray, sql } from 'drizzle-orm';
import type { Queryable } from './database.js';
import { repositories } from './schema.js';

export interface RegisteredRepository {
  url: string;
  createdBy: string;
  createdAt: Date;
}

/** Registers `url`, or gives a registered one a new secret. */
export async function putRepository(
  db: Queryable,
  input: { url: string; webhookSecret: string; createdBy: string },
): Promise<RegisteredRepository> {
  const rows = await db
    .insert(repositories)
    .values(input)
    .onConflictDoUpdate({
      target: repositories.url,
      set: { webhookSecret: input.webhookSecret, createdBy: input.createdBy, createdAt: sql`now()` },
    })
    .returning();
  return toRepository(rows[0]!);
}

export async function listRepositories(db: Queryable): Promise<RegisteredRepository[]> {
  const rows = await db.select().from(repositories).orderBy(asc(repositories.url));
  return rows.map(toRepository);
}

/** The first registered repository among `urls` (a payload names its repository several ways), with its secret. */
export async function findRepositorySecret(
  db: Queryable,
  urls: string[],
): Promise<{ url: string; webhookSecret: string } | null> {
  if (urls.length === 0) return null;
  const rows = await db
    .select({ url: repositories.url, webhookSecret: repositories.webhookSecret })
    .from(repositories)
    .where(inArray(repositories.url, urls));
  return urls.map((url) => rows.find((row) => row.url === url)).find((row) => row !== undefined) ?? null;
}

function toRepository(row: typeof repositories.$inferSelect): RegisteredRepository {
  return { url: row.url, createdBy: row.createdBy, createdAt: row.createdAt };
}
