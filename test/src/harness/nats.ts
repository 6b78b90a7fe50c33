/**
 * A throwaway nats-server (JetStream) for integration tests, on a free port
 * with its store in a fresh temp dir that stop() deletes. With `auth`, its
 * users are written by the built `gantry nats-config` (so run `npm run build`
 * first) and anonymous clients are refused.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type NatsClusterMembership, type NatsServerProcess, startNatsServer } from '@gantry/common';
import { findFreePort } from './free-port.js';

const gantryBin = fileURLToPath(new URL('../../../bin/gantry.mjs', import.meta.url));

export interface NatsUserCredentials {
  user: string;
  password: string;
}

/** The users of a server started with `auth`, with their passwords. */
export interface NatsUsers {
  controller: NatsUserCredentials;
  agent: NatsUserCredentials;
  /** `GANTRY_NATS_USER` / `GANTRY_NATS_PASSWORD` of the controller. */
  controllerEnv: Record<string, string>;
  /** The same for an agent. */
  agentEnv: Record<string, string>;
}

export interface NatsServer extends NatsServerProcess {
  /** The JetStream store (and nats-server.log). */
  readonly storeDir: string;
  /** Present when started with `auth`. */
  readonly users?: NatsUsers;
}

export interface StartNatsOptions {
  /** With `cluster`, a node of that cluster (see nats-cluster.ts). */
  cluster?: NatsClusterMembership;
  /** Require the users `gantry nats-config` writes (a controller user and an agent user). */
  auth?: boolean;
  /** Serve TLS only with this PEM certificate and key; the URL is then `tls://`. */
  tls?: { cert: string; key: string };
}

export async function startNats(options: StartNatsOptions = {}): Promise<NatsServer> {
  const storeDir = await mkdtemp(join(tmpdir(), 'gantry-nats-'));
  const auth = options.auth ? await writeUsers(join(storeDir, 'users')) : undefined;
  const parts = [auth ? await readFile(auth.configFile, 'utf8') : ''];
  if (options.tls) parts.push(`tls ${JSON.stringify({ cert_file: options.tls.cert, key_file: options.tls.key })}\n`);
  const configFile = join(storeDir, 'server.conf');
  await writeFile(configFile, parts.join('\n'));
  const server = await startNatsServer({
    storeDir,
    port: await findFreePort(),
    ...(options.cluster ? { cluster: options.cluster } : {}),
    ...(auth || options.tls ? { configFile } : {}),
  });
  return {
    storeDir,
    ...(auth ? { users: auth.users } : {}),
    url: options.tls ? server.url.replace(/^nats:/, 'tls:') : server.url,
    port: server.port,
    get pid() {
      return server.pid;
    },
    kill9: () => server.kill9(),
    restart: () => server.restart(),
    async stop() {
      await server.stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

async function writeUsers(dir: string): Promise<{ configFile: string; users: NatsUsers }> {
  const { stdout } = await promisify(execFile)(process.execPath, [gantryBin, 'nats-config', '--out', dir, '--json']);
  const written = JSON.parse(stdout) as { configFile: string; users: { user: string; passwordFile: string }[] };
  const [controller, agent] = await Promise.all(
    written.users.map(async ({ user, passwordFile }) => ({
      user,
      password: (await readFile(passwordFile, 'utf8')).trim(),
    })),
  );
  if (!controller || !agent) throw new Error(`gantry nats-config wrote ${written.users.length} users, expected 2`);
  const envOf = (credentials: NatsUserCredentials) => ({
    GANTRY_NATS_USER: credentials.user,
    GANTRY_NATS_PASSWORD: credentials.password,
  });
  return {
    configFile: written.configFile,
    users: { controller, agent, controllerEnv: envOf(controller), agentEnv: envOf(agent) },
  };
}
