/** Encrypted secret values (see schema.ts `secrets`); this module never sees a plaintext. */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Queryable } from './database.js';
import { secrets } from './schema.js';

export interface StoredSecret {
  repo: string;
  name: string;
  nonce: Buffer;
  ciphertext: Buffer;
  keyId: string;
}

export interface SecretEntry {
  name: string;
  /** '' = every repository. */
  repo: string;
  updatedBy: string;
  updatedAt: Date;
}

/** Creates or replaces the secret `(repo, name)`. */
export async function putSecret(db: Queryable, secret: StoredSecret & { updatedBy: string }): Promise<SecretEntry> {
  const values = { ...secret, updatedAt: new Date() };
  const rows = await db
    .insert(secrets)
    .values(values)
    .onConflictDoUpdate({
      target: [secrets.repo, secrets.name],
      set: {
        nonce: values.nonce,
        ciphertext: values.ciphertext,
        keyId: values.keyId,
        updatedBy: values.updatedBy,
        updatedAt: values.updatedAt,
      },
    })
    .returning({ name: secrets.name, repo: secrets.repo, updatedBy: secrets.updatedBy, updatedAt: secrets.updatedAt });
  return rows[0]!;
}

/** Names and scopes, never values; `repo` narrows to one scope. */
export async function listSecrets(db: Queryable, repo?: string): Promise<SecretEntry[]> {
  return db
    .select({ name: secrets.name, repo: secrets.repo, updatedBy: secrets.updatedBy, updatedAt: secrets.updatedAt })
    .from(secrets)
    .where(repo === undefined ? undefined : eq(secrets.repo, repo))
    .orderBy(asc(secrets.repo), asc(secrets.name));
}

/** True when it existed. */
export async function deleteSecret(db: Queryable, repo: string, name: string): Promise<boolean> {
  const rows = await db
    .delete(secrets)
    .where(and(eq(secrets.repo, repo), eq(secrets.name, name)))
    .returning({ name: secrets.name });
  return rows.length > 0;
}

/** The stored rows of `names` for a job of `repo`: its repository's and the farm-wide ones. */
export async function findSecretsFor(db: Queryable, repo: string, names: string[]): Promise<StoredSecret[]> {
  if (names.length === 0) return [];
  const rows = await db
    .select({
      repo: secrets.repo,
      name: secrets.name,
      nonce: secrets.nonce,
      ciphertext: secrets.ciphertext,
      keyId: secrets.keyId,
    })
    .from(secrets)
    .where(and(inArray(secrets.repo, [repo, '']), inArray(secrets.name, names)));
  return rows.map((row) => ({ ...row, nonce: Buffer.from(row.nonce), ciphertext: Buffer.from(row.ciphertext) }));
}
