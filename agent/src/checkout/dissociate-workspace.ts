/**
 * A workspace's git objects normally stay in the agent's repository cache
 * (through alternates, see git-checkout.ts). Under --run-as the steps' user
 * cannot read that cache, so the workspace is made standalone first, as
 * `git clone --dissociate` would: every object it needs is copied into a pack
 * of its own and the link to the cache is removed. It costs one repack per
 * attempt, in proportion to the repository's history.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runGit } from './run-git.js';

export async function dissociateWorkspace(
  workspace: string,
  options: { env: Record<string, string>; signal?: AbortSignal },
): Promise<void> {
  await runGit(['-C', workspace, 'repack', '-a', '-d', '-q'], options);
  await rm(join(workspace, '.git', 'objects', 'info', 'alternates'), { force: true });
}
