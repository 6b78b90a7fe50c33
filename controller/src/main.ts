/**
 * Composition root of the controller: config → logger → store → dispatch →
 * scheduler → servers. `startController` returns a handle whose `stop()`
 * shuts down in order: stop taking requests → let calls in flight finish →
 * stop the relay → close NATS and the database.
 */
import { join } from 'node:path';
import { redactError, redactedLogPaths, redactionCensor } from '@gantry/common';
import pino, { type Logger } from 'pino';
import { createApp } from './api/app.js';
import { startHttpServer } from './api/http-server.js';
import { ArtifactExchange } from './artifacts/artifact-exchange.js';
import { CacheExchange } from './artifacts/cache-exchange.js';
import { createArtifactStore } from './artifacts/create-store.js';
import { DiskStore } from './artifacts/disk-store.js';
import { LogArchiver } from './artifacts/log-archiver.js';
import { ConfigError, type ControllerConfig, natsServersOf, pipelineLimitsOf } from './config.js';
import { createControlPublisher } from './dispatch/control-publisher.js';
import { JobConsumers, queueOfSubject } from './dispatch/job-consumers.js';
import { JobsStreamKeeper } from './dispatch/jobs-stream.js';
import { connectNats } from './dispatch/nats-connection.js';
import { createConsumerMover, createOfferCounter } from './dispatch/offer-counter.js';
import { OutboxRelay } from './dispatch/outbox-relay.js';
import { OpenStreams } from './grpc/open-streams.js';
import { startGrpcServer } from './grpc/server.js';
import { controllerHealthChecks } from './health/controller-checks.js';
import { runHealthChecks } from './health/health-report.js';
import { ControllerMetrics } from './metrics/controller-metrics.js';
import { registerFarmStateGauges } from './metrics/farm-state-gauges.js';
import { ApprovalWebhook } from './notify/approval-webhook.js';
import { restrictToOwner } from './owner-only-files.js';
import { TestReportReader } from './reports/report-reader.js';
import { AgentPresence } from './scheduler/agent-presence.js';
import { JobLifecycle } from './scheduler/job-lifecycle.js';
import { PlanningSweep } from './scheduler/planning-sweep.js';
import { Reaper } from './scheduler/reaper.js';
import { RunControl } from './scheduler/run-control.js';
import { Scheduler } from './scheduler/scheduler.js';
import { loadOrCreateSecretKey } from './secret-store/secret-key.js';
import { SecretVault } from './secret-store/secret-vault.js';
import { loadOrCreateToken } from './secrets.js';
import { readServerTls } from './server-tls.js';
import { createGitSource } from './source/git-source.js';
import { openDatabase } from './store/database.js';

/** How long /healthz waits for each check before reporting it failed. */
const healthCheckTimeoutMs = 2_000;

export interface ControllerHandle {
  httpPort: number;
  grpcPort: number;
  baseUrl: string;
  adminToken: { token: string; path: string | null; created: boolean };
  agentToken: string;
  databaseKind: 'postgres' | 'pglite';
  stop(): Promise<void>;
}

/**
 * The controller's one logger (stdout unless `destination` is given). Tokens,
 * Authorization headers and the values of failed database queries never reach
 * it: known fields are redacted and every logged error is scrubbed.
 */
export function createLogger(level: string, name = 'controller', destination?: pino.DestinationStream): Logger {
  const redactErr = (error: unknown) => redactError(error, pino.stdSerializers.err);
  return pino(
    {
      name,
      level,
      redact: { paths: redactedLogPaths, censor: redactionCensor },
      serializers: { err: redactErr, error: redactErr },
    },
    destination,
  );
}

/** How the command that starts the controller differs from `gantry controller`. */
export interface StartOptions {
  /** Without GANTRY_REPO_ALLOW, local paths may be built too (`gantry up`: a farm on one's own machine). */
  localRepositoriesByDefault?: boolean;
  /** Without GANTRY_SECRET_KEY, generate one and keep it in the data directory (`gantry up`). */
  secretKeyInDataDir?: boolean;
}

export async function startController(
  config: ControllerConfig,
  log: Logger,
  options: StartOptions = {},
): Promise<ControllerHandle> {
  // Everything below the data directory is the owner's only; tighten what an older version left.
  await restrictToOwner(config.dataDir, 1);
  const adminToken = config.adminToken
    ? { token: config.adminToken, path: null, created: false }
    : await loadOrCreateToken(config.dataDir, 'admin-token');
  const agentToken = config.agentToken ?? (await loadOrCreateToken(config.dataDir, 'agent-token')).token;
  const secretKey =
    config.secretKey ?? (options.secretKeyInDataDir ? await loadOrCreateSecretKey(config.dataDir) : undefined);
  const secretVault = new SecretVault(secretKey);
  if (!secretKey) log.warn('GANTRY_SECRET_KEY is not set: job secrets cannot be stored or used');

  let baseUrl = config.publicUrl ?? '';
  const artifactStore = await createArtifactStore(config, () => baseUrl);
  // A store that cannot be used stops the controller now, not at the first upload.
  await artifactStore.open().catch((error: Error) => {
    throw new ConfigError([`GANTRY_ARTIFACTS: ${error.message}`]);
  });
  log.info({ store: artifactStore.description }, 'artifact store ready');

  const tls = await readServerTls(config);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: join(config.dataDir, 'pglite'),
    preparedStatements: config.databasePreparedStatements,
  });
  const artifacts = new ArtifactExchange({ db: database.db, store: artifactStore });
  const caches = new CacheExchange({
    db: database.db,
    store: artifactStore,
    protectedBranches: config.cacheProtectedBranches,
    maxBytes: config.cacheMaxBytes,
  });
  const cleanups: (() => Promise<void>)[] = [() => database.close()];
  const metrics = new ControllerMetrics();
  registerFarmStateGauges(metrics.registry, { db: database.db, poolUse: database.poolUse, log });
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error) => log.warn({ err: error }, 'close failed'));
  };
  try {
    const nats = await connectNats(natsServersOf(config.natsUrl), config.jobsReplicas, log, {
      user: config.natsUser,
      password: config.natsPassword,
      caFile: config.caFile,
    });
    cleanups.push(() => nats.close());
    const jobConsumers = new JobConsumers(nats.connection, log);

    const streamKeeper = new JobsStreamKeeper({
      connection: nats.connection,
      log,
      checkIntervalMs: config.jobsStreamCheckIntervalMs,
      replicas: config.jobsReplicas,
      // Runs only after an await, when `reaper` below is initialised.
      onRecreated: async () => {
        jobConsumers.forget();
        relay.wake();
        await reaper.republishLostOffers().catch((error) => log.warn({ err: error }, 'cannot re-publish lost offers'));
      },
    });
    const relay = new OutboxRelay({
      db: database.db,
      jetstream: nats.jetstream,
      log,
      beforePublish: (subjects) => jobConsumers.ensure(subjects.map(queueOfSubject)),
      onPublishFailed: async () => {
        await streamKeeper
          .ensure('publish failed')
          .catch((error) => log.warn({ err: error }, 'cannot check the jobs stream'));
      },
    });
    const relayStop = new AbortController();
    const relayDone = relay.run(relayStop.signal);
    cleanups.push(async () => {
      relayStop.abort();
      await relayDone;
    });

    const source = createGitSource({
      allow: { entries: config.repoAllow ?? null, localByDefault: options.localRepositoriesByDefault === true },
      cacheDir: join(config.dataDir, 'repos'),
      maxPipelineBytes: config.maxPipelineBytes,
    });
    let approvalWebhook: ApprovalWebhook | undefined;
    const scheduler = new Scheduler({
      db: database.db,
      source,
      log,
      offersCommitted: (offers) => relay.publishCommitted(offers),
      runChanged: () => {},
      limits: pipelineLimitsOf(config),
      gateOpened: (runId, stageId) => approvalWebhook?.notify(runId, stageId),
    });
    cleanups.push(() => scheduler.settle());
    const lifecycle = new JobLifecycle({
      db: database.db,
      scheduler,
      leaseTtlMs: config.leaseTtlMs,
      maxLogBytesPerJob: config.maxLogBytesPerJob,
      metrics,
    });
    const reaper = new Reaper({
      db: database.db,
      lifecycle,
      scheduler,
      log,
      leaseTtlMs: config.leaseTtlMs,
      republishAfterMs: config.republishAfterMs,
      countOffers: createOfferCounter(nats.connection),
      moveConsumer: createConsumerMover(nats.connection),
      wakeRelay: () => relay.wake(),
      metrics,
    });
    const reaperStop = new AbortController();
    const reaperDone = reaper.run(reaperStop.signal);
    const keeperDone = streamKeeper.run(reaperStop.signal);
    cleanups.push(async () => {
      reaperStop.abort();
      await Promise.all([reaperDone, keeperDone]);
    });
    const archiver = new LogArchiver({
      db: database.db,
      store: artifactStore,
      stagingDir: join(config.dataDir, 'tmp'),
      log,
    });
    const archiverStop = new AbortController();
    const archiverDone = archiver.run(archiverStop.signal);
    cleanups.push(async () => {
      archiverStop.abort();
      await archiverDone;
    });
    const presence = new AgentPresence({
      db: database.db,
      reaper,
      log,
      reconnectGraceMs: config.reconnectGraceMs,
      leaseTtlMs: config.leaseTtlMs,
    });
    const presenceDone = presence.run(reaperStop.signal);
    const runControl = new RunControl({
      db: database.db,
      scheduler,
      publishControl: createControlPublisher(nats.connection, log),
      lifecycle,
    });

    const grpc = await startGrpcServer(
      {
        db: database.db,
        lifecycle,
        artifacts,
        caches,
        presence,
        testReports: new TestReportReader({
          db: database.db,
          store: artifactStore,
          log,
          maxBytes: config.testReportMaxBytes,
          maxCases: config.testReportMaxCases,
        }),
        openStreams: new OpenStreams(),
        agentToken,
        secrets: secretVault,
        ensureJobConsumers: (queues) => jobConsumers.ensure(queues),
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        leaseTtlMs: config.leaseTtlMs,
        log,
        metrics,
      },
      { host: config.bindHost, port: config.grpcPort, tls },
    );
    cleanups.push(async () => {
      presence.stop();
      await grpc.close();
      await presenceDone;
    });

    const healthChecks = controllerHealthChecks({
      db: database.db,
      databaseKind: database.kind,
      pingNats: () => nats.ping(),
      jobsStreamExists: () => streamKeeper.exists(),
      outboxMaxAgeMs: config.outboxMaxAgeMs,
    });
    if (config.approvalWebhook) {
      const webhook = new ApprovalWebhook({
        url: config.approvalWebhook,
        secret: config.approvalWebhookSecret,
        db: database.db,
        log,
        publicUrl: () => baseUrl,
      });
      approvalWebhook = webhook;
      cleanups.push(() => webhook.stop());
    }
    const app = createApp({
      db: database.db,
      scheduler,
      runControl,
      source,
      adminToken: adminToken.token,
      secrets: secretVault,
      maxRequestBytes: config.maxRequestBytes,
      get baseUrl() {
        return baseUrl;
      },
      log,
      metrics: { instruments: metrics, public: config.metricsPublic },
      artifacts: {
        exchange: artifacts,
        store: artifactStore,
        diskStore: artifactStore instanceof DiskStore ? artifactStore : null,
      },
      health: () => runHealthChecks(healthChecks, healthCheckTimeoutMs),
    });
    const http = await startHttpServer(app, { host: config.bindHost, port: config.httpPort, tls });
    cleanups.push(() => http.close());
    baseUrl ||= `${tls ? 'https' : 'http'}://${config.bindHost === '0.0.0.0' ? '127.0.0.1' : config.bindHost}:${http.port}`;

    const recovered = await scheduler.recoverUnplannedRuns();
    const planningStop = new AbortController();
    const planningDone = new PlanningSweep({ db: database.db, scheduler, log }).run(planningStop.signal);
    cleanups.push(async () => {
      planningStop.abort();
      await planningDone;
    });
    log.info(
      { httpPort: http.port, grpcPort: grpc.port, database: database.kind, recoveredRuns: recovered },
      'controller listening',
    );
    return {
      httpPort: http.port,
      grpcPort: grpc.port,
      baseUrl,
      adminToken,
      agentToken,
      databaseKind: database.kind,
      stop: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
