/**
 * Tokens kept in the data directory: when GANTRY_ADMIN_TOKEN / GANTRY_AGENT_TOKEN
 * are not set, a random token is generated on first start, written with mode
 * 0600, and reused on every later start.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function loadOrCreateToken(
  dataDir: string,
  fileName: 'admin-token' | 'agent-token',
): Promise<{ token: string; path: string; created: boolean }> {
  const path = join(dataDir, fileName);
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token.length >= 16) return { token, path, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const token = `gnt_${randomBytes(24).toString('base64url')}`;
  await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'w' });
  return { token, path, created: true };
}
