/**
 * What `GET /healthz` checks on a controller: the database answers a query,
 * NATS answers a round trip, the jobs stream exists (without it every new job
 * stays queued), and the outbox drains (its oldest unpublished row is younger
 * than `outboxMaxAgeMs`, by database time). Checks only look: repairs are the
 * jobs stream keeper's and the relay's business.
 */
import { natsTopology } from '@gantry/proto';
import { pingDatabase, type Queryable } from '../store/database.js';
import { oldestUnpublishedAgeMs } from '../store/outbox-repository.js';
import type { HealthCheck } from './health-report.js';

export interface ControllerHealthDeps {
  db: Queryable;
  databaseKind: 'postgres' | 'pglite';
  /** Resolves once NATS answered a round trip; rejects when closed or unreachable. */
  pingNats: () => Promise<void>;
  /** True when the jobs stream exists; rejects when NATS does not answer. */
  jobsStreamExists: () => Promise<boolean>;
  /** Oldest tolerated age of an unpublished outbox row. */
  outboxMaxAgeMs: number;
}

export function controllerHealthChecks(deps: ControllerHealthDeps): Record<string, HealthCheck> {
  return {
    database: async () => {
      await pingDatabase(deps.db);
      return `${deps.databaseKind} answered`;
    },
    nats: async () => {
      await deps.pingNats();
      return 'connected';
    },
    jobStream: async () => {
      if (!(await deps.jobsStreamExists())) throw new Error(`stream ${natsTopology.jobsStream} does not exist`);
      return `stream ${natsTopology.jobsStream} exists`;
    },
    outbox: async () => {
      const ageMs = await oldestUnpublishedAgeMs(deps.db);
      if (ageMs === null) return 'nothing waiting';
      const age = `oldest unpublished offer waits ${Math.round(ageMs)} ms`;
      if (ageMs > deps.outboxMaxAgeMs) throw new Error(`not draining: ${age} (limit ${deps.outboxMaxAgeMs} ms)`);
      return age;
    },
  };
}
