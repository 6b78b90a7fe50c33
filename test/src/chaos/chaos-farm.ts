/**
 * The farm a chaos run attacks: its own nats-server (so it can be killed), one
 * or more controller replicas with a short lease TTL on one database (with its
 * own PostgreSQL server when a Postgres fault is planned), and agents whose steps append to the
 * events file. Crashed agents are replaced by new ones; every agent ever
 * started stays in `agents` so its log can be read afterwards.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  type AgentProcess,
  type ControllerProcess,
  type NatsServer,
  type PostgresServer,
  startAgent,
  startController,
  startNats,
  startNatsCluster,
  startS3Server,
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
  /** The first replica: triggers and log reads go to it. */
  readonly controller: ControllerProcess;
  /** Every replica, the first included. */
  readonly controllers: ControllerProcess[];
  /** The farm's own PostgreSQL server, when a Postgres fault needs one to kill. */
  readonly postgres: PostgresServer | undefined;
  /** The first nats-server (the only one without a cluster). */
  readonly nats: NatsServer;
  /** Every nats-server: one, or the nodes of the cluster. */
  readonly natsNodes: NatsServer[];
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
  postgres?: PostgresServer;
  dir: string;
}): Promise<ChaosFarm> {
  const { options, databaseUrl, dir } = input;
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const agentToken = `agent-${randomBytes(12).toString('hex')}`;
  const cluster = options.natsNodes > 1 ? await startNatsCluster(options.natsNodes) : undefined;
  const natsNodes = cluster ? cluster.nodes : [await startNats()];
  const nats = natsNodes[0] as NatsServer;
  const natsUrl = cluster ? cluster.url : nats.url;
  const stopNats = async () => {
    await Promise.allSettled(natsNodes.map((node) => node.stop()));
  };
  // Replicas share one artifact and log store (each one's disk store would hold only its own archives).
  const store = options.controllers > 1 ? await startS3Server() : undefined;
  const stopStore = async () => {
    await store?.stop();
  };
  const controllers: ControllerProcess[] = [];
  try {
    // One at a time: the first applies the migrations (the others would wait on its lock anyway).
    for (let index = 0; index < options.controllers; index++) {
      controllers.push(
        await startController({
          databaseUrl,
          natsUrl,
          dataDir: join(dir, index === 0 ? 'controller' : `controller-${index + 1}`),
          adminToken,
          agentToken,
          maxLogChars: CONTROLLER_LOG_CHARS,
          env: {
            GANTRY_LEASE_TTL_MS: String(options.leaseTtlMs),
            GANTRY_HEARTBEAT_INTERVAL_MS: String(options.heartbeatIntervalMs),
            GANTRY_RECONNECT_GRACE_MS: String(options.reconnectGraceMs),
            GANTRY_JOBS_REPLICAS: String(options.natsNodes),
            ...store?.controllerEnv('chaos'),
          },
        }),
      );
    }
  } catch (error) {
    await Promise.allSettled(controllers.map((controller) => controller.stop()));
    await stopNats();
    await stopStore();
    throw error;
  }
  const controller = controllers[0] as ControllerProcess;

  const agents: ChaosAgent[] = [];
  const addAgent = async (): Promise<ChaosAgent> => {
    const name = `chaos-agent-${agents.length + 1}`;
    // Agent n starts on replica n mod N, so every replica holds agents when it is killed.
    const first = agents.length % controllers.length;
    const addresses = [...controllers.slice(first), ...controllers.slice(0, first)].map((c) => c.grpcAddress);
    const process = await startAgent({
      controller: addresses.join(','),
      natsUrl,
      slots: options.slotsPerAgent,
      token: agentToken,
      workDir: join(dir, name),
      name,
      maxLogChars: AGENT_LOG_CHARS,
      // Steps inherit LC_* (and no other agent variable): how a job's events name their agent.
      env: { LC_CHAOS_AGENT: name },
    });
    const agent: ChaosAgent = { process, name };
    agents.push(agent);
    return agent;
  };

  const farm: ChaosFarm = {
    controller,
    controllers,
    postgres: input.postgres,
    nats,
    natsNodes,
    adminToken,
    agents,
    live: () => agents.filter((agent) => agent.crashedAt === undefined),
    addAgent,
    async stop() {
      // Whole trees: a step of a failed run must not outlive the test.
      for (const agent of agents) killTree(agent.process.pid);
      await Promise.allSettled(agents.map((agent) => agent.process.kill9()));
      await Promise.allSettled(controllers.map((replica) => replica.stop()));
      await stopNats();
      await stopStore();
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
