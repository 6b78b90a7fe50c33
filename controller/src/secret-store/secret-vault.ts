/**
 * Secrets as the controller uses them: sealed on the way into the store,
 * opened only for a granted claim. Without GANTRY_SECRET_KEY nothing can be
 * stored or handed out, and both say so.
 */
import { ConflictError } from '../domain/errors.js';
import type { Queryable } from '../store/database.js';
import { findSecretsFor, putSecret, type SecretEntry } from '../store/secrets-repository.js';
import { openSecret, sealSecret } from './secret-cipher.js';
import type { SecretKey } from './secret-key.js';

export const noSecretKeyMessage =
  'this controller has no GANTRY_SECRET_KEY: secrets cannot be stored or read (set it to 32 random bytes, hex or base64)';

/** What a job's `secrets:` come to: every value, or why the job cannot have them. */
export type GrantedSecrets = { ok: true; values: Record<string, string> } | { ok: false; reason: string };

export class SecretVault {
  readonly #key: SecretKey | undefined;

  constructor(key: SecretKey | undefined) {
    this.#key = key;
  }

  /** Encrypts and stores `value` as `(repo, name)`; ConflictError without a key. */
  async set(
    db: Queryable,
    input: { repo: string; name: string; value: string; updatedBy: string },
  ): Promise<SecretEntry> {
    if (!this.#key) throw new ConflictError(noSecretKeyMessage);
    const sealed = sealSecret(this.#key, input.repo, input.name, input.value);
    return putSecret(db, { repo: input.repo, name: input.name, ...sealed, updatedBy: input.updatedBy });
  }

  /**
   * The values of `names` for a job of `repo` (its repository's secret wins
   * over the farm-wide one). A reason names what is missing, never a value.
   */
  async grantedTo(db: Queryable, repo: string, names: readonly string[]): Promise<GrantedSecrets> {
    if (names.length === 0) return { ok: true, values: {} };
    if (!this.#key) return { ok: false, reason: `job names secrets but ${noSecretKeyMessage}` };
    const rows = await findSecretsFor(db, repo, [...names]);
    const values: Record<string, string> = {};
    const missing: string[] = [];
    for (const name of names) {
      const row = rows.find((r) => r.name === name && r.repo === repo) ?? rows.find((r) => r.name === name);
      if (!row) {
        missing.push(name);
        continue;
      }
      try {
        values[name] = openSecret(this.#key, row.repo, name, row);
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
    }
    if (missing.length > 0) {
      const list = missing.map((name) => `"${name}"`).join(', ');
      return {
        ok: false,
        reason: `secret ${list} ${missing.length === 1 ? 'is' : 'are'} not set for ${repo} (gantry secret set NAME [--repo URL])`,
      };
    }
    return { ok: true, values };
  }
}
