/**
 * Composition root of the controller: config → logger → store → dispatch →
 * scheduler → servers. `startController` returns a handle whose `stop()`
 * shuts down in order: stop taking requests → let calls in flight finish →
 * stop the relay → close NATS and the database.
 */
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { createApp } from './api/app.js';
import { startHttpServer } from './api/http-server.js';
import type { ControllerConfig } from './config.js';
import { createControlPublisher } from './dispatch/control-publisher.js';
import { connectNats } from './dispatch/nats-connection.js';
import { createOfferCounter } from './dispatch/offer-counter.js';
import { OutboxRelay } from './dispatch/outbox-relay.js';
import { ConnectStreams } from './grpc/connect-stream.js';
import { startGrpcServer } from './grpc/server.js';
import { AgentPresence } from './scheduler/agent-presence.js';
import { JobLifecycle } from './scheduler/job-lifecycle.js';
import { Reaper } from './scheduler/reaper.js';
import { RunControl } from './scheduler/run-control.js';
import { Scheduler } from './scheduler/scheduler.js';
import { loadOrCreateToken } from './secrets.js';
import { createGitSource } from './source/git-source.js';
import { openDatabase } from './store/database.js';

export interface ControllerHandle {
  httpPort: number;
  grpcPort: number;
  baseUrl: string;
  adminToken: { token: string; path: string | null; created: boolean };
  agentToken: string;
  databaseKind: 'postgres' | 'pglite';
  stop(): Promise<void>;
}

export function createLogger(level: string, name = 'controller'): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['token', 'adminToken', 'agentToken', 'leaseToken', '*.token'], censor: '[redacted]' },
  });
}

export async function startController(config: ControllerConfig, log: Logger): Promise<ControllerHandle> {
  const adminToken = config.adminToken
    ? { token: config.adminToken, path: null, created: false }
    : await loadOrCreateToken(config.dataDir, 'admin-token');
  const agentToken = config.agentToken ?? (await loadOrCreateToken(config.dataDir, 'agent-token')).token;

  const database = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: join(config.dataDir, 'pglite') });
  const cleanups: (() => Promise<void>)[] = [() => database.close()];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error) => log.warn({ err: error }, 'close failed'));
  };
  try {
    const nats = await connectNats(config.natsUrl, log);
    cleanups.push(() => nats.close());

    const relay = new OutboxRelay({ db: database.db, jetstream: nats.jetstream, log });
    const relayStop = new AbortController();
    const relayDone = relay.run(relayStop.signal);
    cleanups.push(async () => {
      relayStop.abort();
      await relayDone;
    });

    const scheduler = new Scheduler({
      db: database.db,
      source: createGitSource({ cacheDir: join(config.dataDir, 'repos') }),
      log,
      wakeRelay: () => relay.wake(),
      runChanged: () => {},
    });
    cleanups.push(() => scheduler.settle());
    const lifecycle = new JobLifecycle({
      db: database.db,
      scheduler,
      leaseTtlMs: config.leaseTtlMs,
      maxLogBytesPerJob: config.maxLogBytesPerJob,
    });
    const reaper = new Reaper({
      db: database.db,
      lifecycle,
      log,
      leaseTtlMs: config.leaseTtlMs,
      republishAfterMs: config.republishAfterMs,
      countOffers: createOfferCounter(nats.connection),
      wakeRelay: () => relay.wake(),
    });
    const reaperStop = new AbortController();
    const reaperDone = reaper.run(reaperStop.signal);
    cleanups.push(async () => {
      reaperStop.abort();
      await reaperDone;
    });
    const presence = new AgentPresence({ db: database.db, reaper, log, reconnectGraceMs: config.reconnectGraceMs });
    const runControl = new RunControl({
      db: database.db,
      scheduler,
      publishControl: createControlPublisher(nats.connection, log),
    });

    const grpc = await startGrpcServer(
      {
        db: database.db,
        lifecycle,
        presence,
        connectStreams: new ConnectStreams(),
        agentToken,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        leaseTtlMs: config.leaseTtlMs,
        log,
      },
      { host: config.bindHost, port: config.grpcPort },
    );
    cleanups.push(async () => {
      presence.stop();
      await grpc.close();
    });

    let baseUrl = config.publicUrl ?? '';
    const app = createApp({
      db: database.db,
      scheduler,
      runControl,
      adminToken: adminToken.token,
      get baseUrl() {
        return baseUrl;
      },
      log,
      health: async () => {
        const natsOk = !nats.connection.isClosed();
        return { ok: natsOk, checks: { database: database.kind, nats: natsOk ? 'connected' : 'closed' } };
      },
    });
    const http = await startHttpServer(app, { host: config.bindHost, port: config.httpPort });
    cleanups.push(() => http.close());
    baseUrl ||= `http://${config.bindHost === '0.0.0.0' ? '127.0.0.1' : config.bindHost}:${http.port}`;

    const recovered = await scheduler.recoverUnplannedRuns();
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
