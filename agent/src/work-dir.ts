/**
 * The agent's work directory holds repository mirrors, checkouts and job
 * workspaces: source code and whatever jobs write. Only the agent's user may
 * enter it (0700). What jobs create inside keeps the mode the job chooses, so
 * builds behave as they do anywhere; the closed directory keeps other users out.
 *
 * Under --run-as the steps' user must reach its workspace and temporary
 * directory: the work dir is then 0711 (enter, not list), `workspaces/` and
 * `tmp/` too, while `repos/`, `snapshots/` and everything else found there
 * are closed to others (0700 / 0600): a new top-level directory must be made
 * 0700 by whoever adds one. Each attempt's own directories are handed to
 * that user.
 */
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export class WorkDirError extends Error {
  override name = 'WorkDirError';
  readonly code = 'WORK_DIR_UNREACHABLE';
}

/** Creates `workDir` 0700 (0711 with `sharedWithJobUser`), or tightens an existing one. Idempotent. */
export async function prepareWorkDir(workDir: string, options: { sharedWithJobUser?: boolean } = {}): Promise<void> {
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  if (!options.sharedWithJobUser) {
    await chmod(workDir, 0o700);
    return;
  }
  await chmod(workDir, 0o711);
  // Whatever else is there (caches, credentials, an older layout) stays the agent's alone.
  for (const entry of await readdir(workDir, { withFileTypes: true })) {
    if (entry.name === 'workspaces' || entry.name === 'tmp' || entry.isSymbolicLink()) continue;
    await chmod(join(workDir, entry.name), entry.isDirectory() ? 0o700 : 0o600);
  }
  for (const [name, mode] of [
    ['repos', 0o700],
    ['snapshots', 0o700],
    ['workspaces', 0o711],
    ['tmp', 0o711],
  ] as const) {
    await mkdir(join(workDir, name), { recursive: true, mode });
    await chmod(join(workDir, name), mode);
  }
  // Every directory above must let others through, or the steps' user cannot reach its workspace.
  for (let dir = dirname(workDir); ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new WorkDirError(
        `--run-as: the steps' user cannot reach the work dir ${workDir}: ${dir} is not searchable by others (chmod o+x, or choose another --work-dir)`,
      );
    }
    if (dirname(dir) === dir) break;
  }
}
