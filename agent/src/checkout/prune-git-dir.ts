import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes what git does not need from a snapshot's .git, so that each
 * workspace costs fewer file creations: the sample hooks (and the hooks/
 * directory, when that leaves it empty), gitweb's description, the legacy
 * branches/, the reflogs of the clone (git starts new ones with the job's
 * first ref update) and empty directories git creates when it needs them
 * (objects/pack, refs/tags).
 */
export async function pruneGitDir(gitDir: string): Promise<void> {
  const hooks = join(gitDir, 'hooks');
  const samples = (await readdir(hooks).catch(() => [] as string[])).filter((name) => name.endsWith('.sample'));
  await Promise.all([
    ...samples.map((name) => rm(join(hooks, name), { force: true })),
    ...['description', 'branches', 'logs'].map((name) => rm(join(gitDir, name), { recursive: true, force: true })),
  ]);
  // rmdir removes a directory only if it is empty.
  for (const dir of ['hooks', 'objects/pack', 'refs/tags']) await rmdir(join(gitDir, dir)).catch(() => {});
}
