/**
 * Installs and removes the post-receive hook in a bare repository. Install
 * is idempotent (our own hook is rewritten, a foreign one is kept and chained
 * once); uninstall puts the chained hook back where it was.
 */
import { access, chmod, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../client/command.js';
import { CHAINED_HOOK_NAME, HOOK_MARKER, renderHookScript, TOKEN_FILE_NAME } from './hook-script.js';

export interface HookInstall {
  /** The bare repository (absolute). */
  gitDir: string;
  apiUrl: string;
  token: string;
  /** The repository as runs name it. */
  repo: string;
}

export interface HookPaths {
  hook: string;
  chained: string;
  tokenFile: string;
}

export function hookPaths(gitDir: string): HookPaths {
  const hooks = join(gitDir, 'hooks');
  return {
    hook: join(hooks, 'post-receive'),
    chained: join(hooks, CHAINED_HOOK_NAME),
    tokenFile: join(hooks, TOKEN_FILE_NAME),
  };
}

/** Writes the hook; returns whether a hook that was there before is now chained. */
export async function installHook(install: HookInstall): Promise<{ chained: boolean }> {
  await assertBareRepository(install.gitDir);
  const paths = hookPaths(install.gitDir);
  const existing = await readIfExists(paths.hook);
  if (existing !== null && !isOurs(existing)) {
    if ((await readIfExists(paths.chained)) !== null) {
      throw new UsageError(`${paths.chained} already exists; move one of the two post-receive hooks away first`);
    }
    await rename(paths.hook, paths.chained);
  }
  await writeFile(paths.tokenFile, `${install.token}\n`, { mode: 0o600 });
  await chmod(paths.tokenFile, 0o600);
  const script = renderHookScript({
    apiUrl: install.apiUrl,
    repo: install.repo,
    tokenFile: paths.tokenFile,
    chainedHook: paths.chained,
    connectTimeoutSeconds: 2,
    maxTimeSeconds: 10,
  });
  await writeFile(paths.hook, script, { mode: 0o755 });
  await chmod(paths.hook, 0o755);
  return { chained: (await readIfExists(paths.chained)) !== null };
}

/** Removes our hook and its token; a chained hook goes back in its place. False when none of ours was there. */
export async function uninstallHook(gitDir: string): Promise<boolean> {
  const paths = hookPaths(gitDir);
  const existing = await readIfExists(paths.hook);
  if (existing === null || !isOurs(existing)) return false;
  await rm(paths.hook);
  await rm(paths.tokenFile, { force: true });
  if ((await readIfExists(paths.chained)) !== null) await rename(paths.chained, paths.hook);
  return true;
}

function isOurs(script: string): boolean {
  return script.split('\n', 3).some((line) => line.startsWith(HOOK_MARKER));
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function assertBareRepository(gitDir: string): Promise<void> {
  const isDirectory = await stat(join(gitDir, 'hooks')).then(
    (found) => found.isDirectory(),
    () => false,
  );
  const hasObjects = await access(join(gitDir, 'objects')).then(
    () => true,
    () => false,
  );
  if (!isDirectory || !hasObjects) {
    throw new UsageError(`${gitDir} is not a bare git repository (it needs hooks/ and objects/)`);
  }
}
