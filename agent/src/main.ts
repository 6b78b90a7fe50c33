/**
 * Composition root of the agent: config → controller client → Register →
 * NATS (consumers, control subject) → pull loops feeding the job runner.
 */

import { readFile } from 'node:fs/promises';
import { natsAgentInboxPrefix } from '@gantry/common';
import type { Logger } from 'pino';
import { GitCheckout } from './checkout/git-checkout.js';
import type { AgentConfig } from './config.js';
import { type ControllerCallError, createControllerClient } from './controller-client.js';
import { credentialFilePath } from './credential-file.js';
import { resolveRunAsUser } from './executor/run-as.js';
import { parentDeathGuardAvailable } from './executor/step-command.js';
import type { AgentMetrics, AgentState } from './metrics/agent-metrics.js';
import type { MetricsServer } from './metrics/metrics-server.js';
import { subscribeControl } from './queue/control-subscriber.js';
import { ensureJobConsumer, pullJobs } from './queue/job-consumer.js';
import { connectNats, trackNatsConnected } from './queue/nats-connection.js';
import { registerAgent } from './registration.js';
import { JobRunner } from './runner/job-runner.js';
import { handleOffer } from './runner/offer-handler.js';
import { SlotPool } from './runner/slot-pool.js';
import { AgentSession } from './session/agent-session.js';
import { prepareWorkDir } from './work-dir.js';

/** A started agent. */
export interface AgentHandle {
  /** Id the controller gave this agent at Register. */
  readonly agentId: string;
  /**
   * Graceful shutdown: stop pulling offers, let running jobs finish and report
   * (heartbeats continue), then close NATS and gRPC. Idempotent; also started by
   * a `drain` control message, a heartbeat answer saying the agent was asked to
   * drain, or an unrecoverable NATS close.
   */
  drain(): Promise<void>;
  /**
   * Hard shutdown: kill running jobs at once without reporting them (their
   * leases lapse and the controller retries them), then close. Idempotent.
   */
  stop(): Promise<void>;
  /** Settles when the agent has shut down; the value is the fatal error, if one caused it. */
  readonly closed: Promise<Error | undefined>;
}

export interface StartAgentOptions {
  /** Aborts start-up (Register and NATS retries); has no effect once started. */
  signal?: AbortSignal;
}

/**
 * Registers, connects and starts pulling; logs `agent ready` once consumers are
 * in place. Rejects with RegistrationRefusedError when the controller refuses
 * this agent, or with the signal's reason when start-up is aborted.
 */
export async function startAgent(
  config: AgentConfig,
  logger: Logger,
  options: StartAgentOptions = {},
): Promise<AgentHandle> {
  const signal = options.signal ?? new AbortController().signal;
  if (!parentDeathGuardAvailable()) {
    logger.warn(
      'setpriv --pdeathsig is not available: if this agent is killed (kill -9), its running steps keep running',
    );
  }
  const runAs = config.runAs === undefined ? undefined : resolveRunAsUser(config.runAs);
  if (runAs) logger.info({ user: runAs.name, uid: runAs.uid }, 'steps run as another user');
  // Read by /metrics and /healthz; each part reports once it exists.
  const live = {
    registered: false,
    busySlots: () => 0,
    controllerConnected: () => false,
    natsConnected: () => false,
  };
  const state: AgentState = {
    slots: config.slots,
    busySlots: () => live.busySlots(),
    registered: () => live.registered,
    controllerConnected: () => live.controllerConnected(),
    natsConnected: () => live.natsConnected(),
  };
  // Counted only when served: prom-client and the HTTP server are not even loaded otherwise (idle RSS).
  let metrics: AgentMetrics | undefined;
  let metricsServer: MetricsServer | undefined;
  if (config.metricsPort !== undefined) {
    const [{ AgentMetrics }, { startMetricsServer }] = await Promise.all([
      import('./metrics/agent-metrics.js'),
      import('./metrics/metrics-server.js'),
    ]);
    metrics = new AgentMetrics(state);
    metricsServer = await startMetricsServer({
      host: config.metricsHost,
      port: config.metricsPort,
      metrics,
      state,
      logger,
    });
  }
  await prepareWorkDir(config.workDir, { sharedWithJobUser: runAs !== undefined });
  const controller = createControllerClient({
    addresses: config.controllerAddresses,
    // Set by registerAgent: the agent's own credential, never the enrolment token.
    token: '',
    ca: config.caFile === undefined ? undefined : await readFile(config.caFile),
    onSwitch: (from, to, reason) => logger.warn({ from, to, reason }, 'controller unreachable, moving to the next'),
  });
  const identity = { name: config.name, queues: config.queues, slots: config.slots };
  const credentials = { enrolmentToken: config.token, file: credentialFilePath(config.workDir) };
  let nc: Awaited<ReturnType<typeof connectNats>> | undefined;
  let registration: Awaited<ReturnType<typeof registerAgent>>;
  try {
    registration = await registerAgent(controller, identity, credentials, logger, signal);
    logger.info({ agentId: registration.agentId }, 'agent registered');
    live.registered = true;
    nc = await connectNats({
      url: config.natsUrl,
      name: `gantry-agent-${config.name}`,
      user: config.natsUser,
      password: config.natsPassword,
      caFile: config.caFile,
      logger,
      signal,
    });
    const connection = nc;
    // Control messages are authenticated by NATS permissions: without users, anyone on NATS can send them.
    if (!config.natsUser) {
      logger.warn(
        { see: 'gantry nats-config' },
        'NATS without a user: anyone who reaches NATS can send this agent control messages',
      );
    }
    live.natsConnected = trackNatsConnected(connection);
    await Promise.all(config.queues.map((queue) => ensureJobConsumer(connection, queue, logger, signal)));
  } catch (error) {
    controller.close();
    await nc?.close();
    await metricsServer?.close();
    throw error;
  }
  const connection = nc;
  const leaseTtlMs = registration.leaseTtlMs || 30_000;
  const runner = new JobRunner({
    controller,
    checkout: new GitCheckout({
      workDir: config.workDir,
      env: config.baseEnv,
      spareCopies: config.slots,
      onGitCommand: (args) => logger.debug({ args }, 'git'),
      onTampered: (path, problem) => logger.warn({ path, problem }, 'snapshot changed since it was made, rebuilding'),
      ...(runAs ? { owner: runAs } : {}),
    }),
    workDir: config.workDir,
    baseEnv: config.baseEnv,
    ...(runAs ? { runAs } : {}),
    killGraceMs: config.killGraceMs,
    logHoldMs: config.logHoldMs,
    artifactMaxBytes: config.artifactMaxBytes,
    cacheMaxBytes: config.cacheMaxBytes,
    cacheLocalMaxBytes: config.cacheLocalMaxBytes,
    // Never slower than TTL/3, or self-fencing (at 2/3 TTL) would fire before a renewal could land.
    heartbeatIntervalMs: Math.min(registration.heartbeatIntervalMs || leaseTtlMs, Math.floor(leaseTtlMs / 3)),
    leaseTtlMs,
    logger,
    onEnded: (ending) => metrics?.jobEnded(ending),
    // The heartbeat's word for a drain control message NATS may have lost.
    onDrainRequested: () => void drain(),
  });
  runner.prewarmShells(config.slots);
  const slots = new SlotPool(config.slots);
  live.busySlots = () => slots.busy;
  const fetching = new AbortController();
  const controlHandlers = {
    cancel: (jobId: string, attempt: number) => runner.cancel(jobId, attempt),
    drain: () => void drain(),
  };
  let control = subscribeControl(connection, registration.agentId, controlHandlers, logger);
  // The controller forgot us (restart without our row, token rotation): the session registers again.
  const session = new AgentSession({
    controller,
    identity,
    credentials,
    logger,
    agentId: registration.agentId,
    onAgentIdChanged: (newAgentId) => {
      control.unsubscribe();
      control = subscribeControl(connection, newAgentId, controlHandlers, logger);
    },
  });
  session.start();
  live.controllerConnected = () => session.connected;
  const onUnknownAgent = (error: ControllerCallError) => void session.reRegister(error);

  // Revoked (the controller refuses its claims): stop taking offers, let running jobs end, exit.
  const onRefusedAgent = () => void drain();
  const offerDeps = {
    controller,
    runner,
    logger,
    agentId: () => session.agentId,
    onUnknownAgent,
    onRefusedAgent,
    // A claim denied as "draining": the drain's control message never came.
    onDrainRequested: () => void drain(),
    metrics,
  };
  const loops = config.queues.map((queue) =>
    pullJobs({
      nc: connection,
      queue,
      slots,
      logger,
      inboxPrefix: config.natsUser ? natsAgentInboxPrefix(config.natsUser) : undefined,
      signal: fetching.signal,
      onMessage: (message) => {
        // handleOffer never rejects by contract; should it all the same, the agent logs it and lives on.
        void handleOffer(message, offerDeps)
          .catch((error: unknown) => logger.error({ err: (error as Error).message }, 'job offer handling failed'))
          .finally(() => slots.release());
      },
    }),
  );

  let fatal: Error | undefined;
  let closing = false;
  let resolveClosed!: (error: Error | undefined) => void;
  const closed = new Promise<Error | undefined>((resolve) => {
    resolveClosed = resolve;
  });
  void connection.closed().then((error) => {
    if (closing) return;
    fatal = error ?? new Error('NATS connection closed');
    logger.error({ err: fatal.message }, 'nats connection lost for good, draining');
    void drain();
  });

  let shutdown: Promise<void> | undefined;
  const shutDown = () =>
    (shutdown ??= (async () => {
      fetching.abort();
      await Promise.all(loops);
      await slots.idle();
      await runner.idle();
      runner.closeShells();
      // Only now that every job has reported may the controller see this agent leave.
      await session.close();
      closing = true;
      control.unsubscribe();
      // Send pending acks if NATS is there; do not wait on an outage to end.
      let flushTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        connection.flush().catch(() => {}),
        new Promise((resolve) => {
          flushTimer = setTimeout(resolve, 2000);
        }),
      ]);
      clearTimeout(flushTimer);
      await connection.close().catch(() => {});
      controller.close();
      await metricsServer?.close();
      logger.info({ agentId: session.agentId }, 'agent stopped');
      resolveClosed(fatal);
    })());
  const drain = () => {
    if (!shutdown) logger.info({ agentId: session.agentId, running: runner.runningCount }, 'agent draining');
    return shutDown();
  };
  const stop = () => {
    logger.warn({ agentId: session.agentId, running: runner.runningCount }, 'agent stopping, killing jobs');
    runner.killAll();
    return shutDown();
  };

  logger.info(
    { agentId: session.agentId, name: config.name, queues: config.queues, slots: config.slots },
    'agent ready',
  );
  const handle: AgentHandle = {
    get agentId() {
      return session.agentId;
    },
    drain,
    stop,
    closed,
  };
  return handle;
}
