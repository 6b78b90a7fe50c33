/**
 * The agent's work directory holds repository mirrors, checkouts and job
 * workspaces: source code and whatever jobs write. Only the agent's user may
 * enter it (0700). What jobs create inside keeps the mode the job chooses, so
 * builds behave as they do anywhere; the closed directory keeps other users out.
 */
import { chmod, mkdir } from 'node:fs/promises';

/** Creates `workDir` 0700, or tightens an existing one to 0700. Idempotent. */
export async function prepareWorkDir(workDir: string): Promise<void> {
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  await chmod(workDir, 0o700);
}
