/**
 * Who runs the steps of `gantry up`'s agents. As root, steps run as an
 * unprivileged user (the agents' `--run-as`): `gantry-job` when the host has
 * one, else `nobody`. Nothing is created on the host. GANTRY_AGENT_RUN_AS set
 * by the operator wins (empty: steps run as the agents' own user).
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Tried in this order. */
export const jobUserCandidates = ['gantry-job', 'nobody'] as const;

export type JobUserChoice =
  | { kind: 'operator' }
  | { kind: 'run-as'; user: string }
  | { kind: 'agent-user'; warning?: string };

function userExists(name: string): boolean {
  return spawnSync('getent', ['passwd', name], { stdio: 'ignore' }).status === 0;
}

/** The first directory from `path` up to `/` that others cannot pass through, if any. */
async function closedAncestor(path: string): Promise<string | undefined> {
  for (let dir = path; ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Picks the steps' user and, when there is one, opens `dataDir` and
 * `dataDir/agents` to 0711 (pass through, not list: everything inside stays
 * the owner's, as `gantry up` creates files 0600 and directories 0700).
 */
export async function chooseJobUser(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  uid = process.getuid?.() ?? -1,
): Promise<JobUserChoice> {
  if (env.GANTRY_AGENT_RUN_AS !== undefined) return { kind: 'operator' };
  if (uid !== 0) return { kind: 'agent-user' };
  const user = jobUserCandidates.find(userExists);
  if (!user) {
    return {
      kind: 'agent-user',
      warning: `steps run as root: no ${jobUserCandidates.join(' or ')} user on this host (create one, or set GANTRY_AGENT_RUN_AS)`,
    };
  }
  const closed = await closedAncestor(dirname(dataDir));
  if (closed) {
    return {
      kind: 'agent-user',
      warning: `steps run as root: ${user} cannot reach the data directory, ${closed} is not searchable by others (chmod o+x, or another --data-dir)`,
    };
  }
  await mkdir(join(dataDir, 'agents'), { recursive: true });
  await chmod(dataDir, 0o711);
  await chmod(join(dataDir, 'agents'), 0o711);
  return { kind: 'run-as', user };
}
