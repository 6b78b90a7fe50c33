/**
 * The agent's own credential, kept in `<work dir>/credential` (mode 0600)
 * once Enrol returned it, and reused on every later start. The file names the
 * agent it belongs to: an agent started under another name in the same work
 * directory enrols afresh. Never passed to jobs: steps get an environment
 * built without it, and the file is the agent user's alone.
 */
import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export function credentialFilePath(workDir: string): string {
  return join(workDir, 'credential');
}

interface CredentialFile {
  name: string;
  credential: string;
}

/** The credential saved for agent `name`, or null when there is none (or it is another agent's). */
export async function readCredential(file: string, name: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  // Whoever made it readable to others, it is the agent user's alone from now on.
  await chmod(file, 0o600);
  try {
    const saved = JSON.parse(text) as Partial<CredentialFile>;
    return saved.name === name && typeof saved.credential === 'string' && saved.credential.length > 0
      ? saved.credential
      : null;
  } catch {
    return null;
  }
}

/** Saves the credential atomically, created 0600 (never readable by others, not even for a moment). */
export async function writeCredential(file: string, name: string, credential: string): Promise<void> {
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify({ name, credential } satisfies CredentialFile)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
