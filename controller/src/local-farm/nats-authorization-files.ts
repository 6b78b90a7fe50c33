/**
 * Writes a farm's NATS users to a directory: `nats-server.conf` (the
 * authorization block nats-server reads with `-c`) and one
 * `<user>.password` file per user, every file mode 0600. `gantry up` keeps
 * them in its data directory and reuses the passwords on every start;
 * `gantry nats-config` writes them for a real deployment.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  generateNatsPassword,
  type NatsAgentUser,
  type NatsAuthorization,
  type NatsUser,
  natsAuthorizationBlock,
} from '@gantry/common';
import { natsTopology } from '@gantry/proto/nats-topology';

export const controllerNatsUser = 'gantry-controller';
export const agentNatsUser = 'gantry-agent';

export interface NatsAuthorizationFiles extends NatsAuthorization {
  /** `<dir>/nats-server.conf`. */
  configFile: string;
  /** Password file of each user, by user name. */
  passwordFiles: Record<string, string>;
}

/** A wanted agent user: its name and, optionally, the only queues it may pull. */
export type NatsAgentUserSpec = Omit<NatsAgentUser, 'password'>;

/**
 * Writes the configuration for a controller user and `agents`. A password
 * file already in `dir` is reused (so running processes keep working);
 * otherwise a password is generated. The configuration is rewritten.
 */
export async function writeNatsAuthorization(
  dir: string,
  agents: NatsAgentUserSpec[],
  controllerUser = controllerNatsUser,
): Promise<NatsAuthorizationFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const passwordFiles: Record<string, string> = {};
  const withPassword = async (user: string): Promise<NatsUser> => {
    const path = join(dir, `${user}.password`);
    passwordFiles[user] = path;
    return { user, password: await loadOrCreatePassword(path) };
  };
  const controller = await withPassword(controllerUser);
  const agentUsers: NatsAgentUser[] = [];
  for (const agent of agents) agentUsers.push({ ...agent, ...(await withPassword(agent.user)) });
  const auth = { controller, agents: agentUsers };
  const configFile = join(dir, 'nats-server.conf');
  const block = natsAuthorizationBlock(auth, natsTopology);
  await writeFile(configFile, `# Written by gantry; users of one Gantry farm.\n${block}`, { mode: 0o600 });
  return { ...auth, configFile, passwordFiles };
}

async function loadOrCreatePassword(path: string): Promise<string> {
  try {
    const password = (await readFile(path, 'utf8')).trim();
    if (password.length >= 16) return password;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const password = generateNatsPassword();
  await writeFile(path, `${password}\n`, { mode: 0o600 });
  return password;
}
