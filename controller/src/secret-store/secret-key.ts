/**
 * GANTRY_SECRET_KEY: the 32-byte key secrets are encrypted with, spelled as
 * 64 hex digits or base64 (standard or url-safe). `gantry up` keeps a
 * generated one in `DATA_DIR/secret-key` (0600) when the variable is unset.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const secretKeyBytes = 32;

export interface SecretKey {
  bytes: Buffer;
  /** Names the key without revealing it: the first 8 bytes of its SHA-256, hex. */
  id: string;
}

/** The key spelled by `text`, or undefined when it is not 32 bytes in hex or base64. */
export function parseSecretKey(text: string): SecretKey | undefined {
  const trimmed = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) bytes = Buffer.from(trimmed, 'base64');
  if (bytes?.length !== secretKeyBytes) return undefined;
  return { bytes, id: createHash('sha256').update(bytes).digest('hex').slice(0, 16) };
}

/** Reads `DATA_DIR/secret-key`, or writes a new random key there (0600) on first use. */
export async function loadOrCreateSecretKey(dataDir: string): Promise<SecretKey> {
  const path = join(dataDir, 'secret-key');
  try {
    const key = parseSecretKey(await readFile(path, 'utf8'));
    if (key) return key;
    throw new Error(`${path} does not hold a 32-byte key (hex or base64)`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const text = randomBytes(secretKeyBytes).toString('base64');
  await writeFile(path, `${text}\n`, { mode: 0o600, flag: 'wx' });
  return parseSecretKey(text) as SecretKey;
}
