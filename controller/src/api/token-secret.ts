/**
 * API token secrets: `gantry_` followed by 32 random bytes in base64url, so a
 * leaked one is recognisable (secret scanners, logs). Only the SHA-256 is kept.
 */
import { createHash, randomBytes } from 'node:crypto';

export const apiTokenPrefix = 'gantry_';

export function generateApiToken(): string {
  return `${apiTokenPrefix}${randomBytes(32).toString('base64url')}`;
}

/** Hex SHA-256 of the token string as presented. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
