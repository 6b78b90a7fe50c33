/**
 * One real farm per test file: a fresh Postgres database, its own nats-server,
 * the controller process and two agents with two slots each, all on loopback.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AgentProcess,
  type ApiClient,
  api,
  type ControllerProcess,
  freshDatabase,
  type NatsServer,
  startAgent,
  startController,
  startNats,
} from '../src/harness/index.js';

export interface Farm {
  controller: ControllerProcess;
  /** The controller's data directory (the disk artifact store is under it). */
  controllerDataDir: string;
  agents: AgentProcess[];
  nats: NatsServer;
  /** The farm's own PostgreSQL database. */
  databaseUrl: string;
  client: ApiClient;
  adminToken: string;
  agentToken: string;
  /** Starts one more agent process (same settings; on `queue` when given). */
  addAgent(options?: { queue?: string }): Promise<AgentProcess>;
  stop(): Promise<void>;
}

export interface FarmOptions {
  agents?: number;
  slots?: number;
  /** Extra controller environment (GANTRY_LEASE_TTL_MS, …). */
  controllerEnv?: Record<string, string>;
  /** Extra environment of every agent (GANTRY_AGENT_METRICS_PORT, GANTRY_LOG_LEVEL, …). */
  agentEnv?: Record<string, string>;
  /** NATS with users (`gantry nats-config`): the controller and agents connect as theirs, anonymous clients are refused. */
  natsAuth?: boolean;
}

export async function startFarm(options: FarmOptions = {}): Promise<Farm> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-e2e-'));
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const agentToken = `agent-${randomBytes(12).toString('hex')}`;
  const nats = await startNats({ auth: options.natsAuth === true });
  const controllerEnv = { ...nats.users?.controllerEnv, ...options.controllerEnv };
  const agentEnv = { ...nats.users?.agentEnv, ...options.agentEnv };
  const databaseUrl = await freshDatabase();
  const controller = await startController({
    databaseUrl,
    natsUrl: nats.url,
    dataDir: join(dir, 'controller'),
    adminToken,
    agentToken,
    env: controllerEnv,
  });
  const agents: AgentProcess[] = [];
  let agentsStarted = 0;
  const launchAgent = (agentOptions: { queue?: string } = {}) => {
    const index = agentsStarted++;
    return startAgent({
      controller: controller.grpcAddress,
      natsUrl: nats.url,
      ...(agentOptions.queue ? { queue: agentOptions.queue } : {}),
      slots: options.slots ?? 2,
      token: agentToken,
      workDir: join(dir, `agent-${index}`),
      name: `e2e-agent-${index}`,
      env: agentEnv,
    });
  };
  const addAgent = async (agentOptions: { queue?: string } = {}) => {
    const agent = await launchAgent(agentOptions);
    agents.push(agent);
    return agent;
  };
  // The first agents start together (each is a Node process that takes a while to load); `agents` keeps their order.
  const first = await Promise.allSettled(Array.from({ length: options.agents ?? 2 }, () => launchAgent()));
  for (const outcome of first) if (outcome.status === 'fulfilled') agents.push(outcome.value);
  const failed = first.find((outcome) => outcome.status === 'rejected');
  if (failed) {
    await Promise.all(agents.map((agent) => agent.stop()));
    await controller.stop();
    await nats.stop();
    throw failed.reason;
  }
  return {
    controller,
    controllerDataDir: join(dir, 'controller'),
    agents,
    addAgent,
    nats,
    databaseUrl,
    client: api(controller.httpUrl, adminToken),
    adminToken,
    agentToken,
    async stop() {
      await Promise.all(agents.map((agent) => agent.stop()));
      await controller.stop();
      await nats.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Everything the farm's processes printed, for a failing test's message. */
export function farmLogs(farm: Farm): string {
  return [
    `--- controller ---\n${farm.controller.logs()}`,
    ...farm.agents.map((agent) => `--- ${agent.name} ---\n${agent.logs()}`),
  ].join('\n');
}
