/** Protected environments (domain/environment.ts): one row per environment. */
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { EnvironmentProtection } from '../domain/environment.js';
import type { Queryable } from './database.js';
import { environmentProtections } from './schema.js';

export type NewProtection = Omit<EnvironmentProtection, 'updatedAt'>;

/** Creates or replaces the protection of `protection.name`. */
export async function putProtection(db: Queryable, protection: NewProtection): Promise<EnvironmentProtection> {
  const values = {
    approvers: protection.approvers,
    required: protection.required,
    branches: protection.branches,
    updatedBy: protection.updatedBy,
  };
  const rows = await db
    .insert(environmentProtections)
    .values({ name: protection.name, ...values })
    .onConflictDoUpdate({ target: environmentProtections.name, set: { ...values, updatedAt: sql`now()` } })
    .returning();
  return toProtection(rows[0]!);
}

export async function listProtections(db: Queryable): Promise<EnvironmentProtection[]> {
  const rows = await db.select().from(environmentProtections).orderBy(asc(environmentProtections.name));
  return rows.map(toProtection);
}

/** The protections of the named environments (those that have one). */
export async function findProtections(db: Queryable, names: string[]): Promise<EnvironmentProtection[]> {
  if (names.length === 0) return [];
  const rows = await db.select().from(environmentProtections).where(inArray(environmentProtections.name, names));
  return rows.map(toProtection);
}

/** False when the environment was not protected. */
export async function deleteProtection(db: Queryable, name: string): Promise<boolean> {
  const rows = await db
    .delete(environmentProtections)
    .where(eq(environmentProtections.name, name))
    .returning({ name: environmentProtections.name });
  return rows.length > 0;
}

function toProtection(row: typeof environmentProtections.$inferSelect): EnvironmentProtection {
  return {
    name: row.name,
    approvers: row.approvers as string[],
    required: row.required,
    branches: (row.branches as string[] | null) ?? null,
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt,
  };
}
