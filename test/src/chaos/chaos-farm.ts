/**
 * The farm a chaos run attacks: its own nats-server (so it can be killed), a
 * controller with a short lease TTL, and agents whose steps append to the
 * events file. Crashed agents are replaced by new ones; every agent ever
 * started stays in `agents` so its log can be read afterwards.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  type AgentProcess,
  type ControllerProcess,
  type NatsServer,
  startAgent,
  startController,
  startNats,
} from '../harness/index.js';
import type { ChaosOptions } from './options.js';
import { killTree } from './process-tree.js';

export interface ChaosAgent {
  readonly process: AgentProcess;
  /** `chaos-agent-<n>`; n counts every agent started, replacements included. */
  readonly name: string;
  /** Set once it was crashed on purpose. */
  crashedAt?: number;
}

export interface ChaosFarm {
  readonly controller: ControllerProcess;
  readonly nats: NatsServer;
  readonly adminToken: string;
  /** Every agent started, oldest first. */
  readonly agents: ChaosAgent[];
  /** Agents not crashed. */
  live(): ChaosAgent[];
  /** Starts one more agent (a replacement for a crashed one). */
  addAgent(): Promise<ChaosAgent>;
  stop(): Promise<void>;
}

const CONTROLLER_LOG_CHARS = 200_000_000;
const AGENT_LOG_CHARS = 50_000_000;

export async function startChaosFarm(input: {
  options: ChaosOptions;
  databaseUrl: string;
  dir: string;
  eventsFile: string;
}): Promise<ChaosFarm> {
  const { options, databaseUrl, dir, eventsFile } = input;
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const agentToken = `agent-${randomBytes(12).toString('hex')}`;
  const nats = await startNats();
  let controller: ControllerProcess;
  try {
    controller = await startController({
      databaseUrl,
      natsUrl: nats.url,
      dataDir: join(dir, 'controller'),
      adminToken,
      agentToken,
      maxLogChars: CONTROLLER_LOG_CHARS,
      env: {
        GANTRY_LEASE_TTL_MS: String(options.leaseTtlMs),
        GANTRY_HEARTBEAT_INTERVAL_MS: String(options.heartbeatIntervalMs),
        GANTRY_RECONNECT_GRACE_MS: String(options.reconnectGraceMs),
      },
    });
  } catch (error) {
    await nats.stop();
    throw error;
  }

  const agents: ChaosAgent[] = [];
  const addAgent = async (): Promise<ChaosAgent> => {
    const name = `chaos-agent-${agents.length + 1}`;
    const process = await startAgent({
      controller: controller.grpcAddress,
      natsUrl: nats.url,
      slots: options.slotsPerAgent,
      token: agentToken,
      workDir: join(dir, name),
      name,
      maxLogChars: AGENT_LOG_CHARS,
      env: { CHAOS_EVENTS: eventsFile, CHAOS_AGENT: name },
    });
    const agent: ChaosAgent = { process, name };
    agents.push(agent);
    return agent;
  };

  const farm: ChaosFarm = {
    controller,
    nats,
    adminToken,
    agents,
    live: () => agents.filter((agent) => agent.crashedAt === undefined),
    addAgent,
    async stop() {
      // Whole trees: a step of a failed run must not outlive the test.
      for (const agent of agents) killTree(agent.process.pid);
      await Promise.allSettled(agents.map((agent) => agent.process.kill9()));
      await controller.stop().catch(() => {});
      await nats.stop().catch(() => {});
    },
  };
  try {
    for (let i = 0; i < options.agents; i++) await addAgent();
  } catch (error) {
    await farm.stop();
    throw error;
  }
  return farm;
}
