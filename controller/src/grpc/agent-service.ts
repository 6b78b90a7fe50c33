/**
 * The agent-facing gRPC service (proto/gantry/agent/v1/agent.proto): checks
 * the registration token on every call, converts wire ↔ domain, and maps
 * domain errors to status codes. No business rules live here.
 */

import { timingSafeEqual } from 'node:crypto';
import {
  type AgentServiceHandlers,
  agentServiceDefinition,
  type ClaimJobResponse,
  type Lease__Output,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
} from '@gantry/proto';
import { type Metadata, type ServerUnaryCall, type sendUnaryData, status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ArtifactExchange } from '../artifacts/artifact-exchange.js';
import { DomainError, StaleLeaseError } from '../domain/errors.js';
import { type RefKind, refKindOf } from '../domain/ref-kind.js';
import { type JobResult, jobResults } from '../domain/states.js';
import type { ControllerMetrics } from '../metrics/controller-metrics.js';
import type { TestReportReader } from '../reports/report-reader.js';
import type { AgentPresence } from '../scheduler/agent-presence.js';
import type { JobLifecycle } from '../scheduler/job-lifecycle.js';
import { registerAgent } from '../store/agents-repository.js';
import type { Database } from '../store/database.js';
import type { LeaseKey } from '../store/leases-repository.js';
import { type ConnectStreams, handleConnect } from './connect-stream.js';
import { grpcError, toGrpcError } from './errors.js';
import { handleLogStream } from './log-stream.js';

export interface AgentServiceDeps {
  db: Database;
  lifecycle: JobLifecycle;
  /** Presigned URLs and commits of artifacts. */
  artifacts: ArtifactExchange;
  presence: AgentPresence;
  /** Reads the JUnit reports a commit names; without it they are kept as files only. */
  testReports?: TestReportReader;
  connectStreams: ConnectStreams;
  agentToken: string;
  heartbeatIntervalMs: number;
  leaseTtlMs: number;
  log: Logger;
  /** Call durations by method and code, and fenced calls refused. */
  metrics?: ControllerMetrics;
}

export function createAgentService(deps: AgentServiceDeps): AgentServiceHandlers {
  const { lifecycle, log } = deps;
  const expected = Buffer.from(`Bearer ${deps.agentToken}`);
  const authorized = (metadata: Metadata) => {
    const given = Buffer.from(String(metadata.get('authorization')[0] ?? ''));
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  /** `callback` that also observes the call's duration and status code. */
  function observed<Res>(method: string, callback: sendUnaryData<Res>): sendUnaryData<Res> {
    const startedAt = performance.now();
    return (...answer) => {
      const code = answer[0]?.code ?? status.OK;
      deps.metrics?.grpcCallServed(method, status[code] ?? String(code), (performance.now() - startedAt) / 1000);
      callback(...answer);
    };
  }

  /** Wraps a unary handler with the token check, error mapping and metrics. */
  function unary<Req, Res>(method: string, handle: (request: Req) => Promise<Res>) {
    return (call: ServerUnaryCall<Req, Res>, done: sendUnaryData<Res>) => {
      const callback = observed(method, done);
      if (!authorized(call.metadata)) {
        callback(grpcError(status.UNAUTHENTICATED, 'invalid agent registration token'));
        return;
      }
      handle(call.request).then(
        (response) => callback(null, response),
        (error) => {
          if (error instanceof StaleLeaseError) {
            log.warn({ method, err: error.message }, 'stale lease refused');
            deps.metrics?.fencedCallRefused(method);
          }
          callback(toGrpcError(error, log, method));
        },
      );
    };
  }

  return {
    Register: unary('Register', async (request) => {
      if (request.protocolVersion !== PROTOCOL_VERSION) {
        throw new DomainError(
          'PROTOCOL_MISMATCH',
          `agent speaks protocol ${request.protocolVersion}, controller speaks ${PROTOCOL_VERSION}`,
        );
      }
      const agent = await registerAgent(deps.db, {
        name: request.name,
        hostname: request.hostname,
        queues: request.queues,
        slots: request.slots,
        version: request.agentVersion,
      });
      log.info({ agentId: agent.id, name: agent.name, queues: agent.queues, slots: agent.slots }, 'agent registered');
      return { agentId: agent.id, heartbeatIntervalMs: deps.heartbeatIntervalMs, leaseTtlMs: deps.leaseTtlMs };
    }),

    ClaimJob: unary('ClaimJob', async (request) => {
      const outcome = await lifecycle.claim(request.agentId, request.jobId, request.attempt);
      if (!outcome.granted) return { granted: false, reason: outcome.reason };
      const { job } = outcome;
      const response: ClaimJobResponse = {
        granted: true,
        leaseToken: outcome.leaseToken,
        job: {
          runId: job.runId,
          jobId: job.id,
          attempt: job.attempt,
          name: job.name,
          stage: job.stageName,
          repoUrl: job.repo,
          ref: job.fullRef ?? job.ref,
          sha: job.sha,
          pipeline: job.pipeline,
          ...refFields(refKindOf(job.fullRef, job.ref)),
          steps: job.spec.steps,
          env: job.spec.env,
          timeoutMs: job.spec.timeoutMs ?? 0,
          stepTimeoutsMs: stepTimeoutsOf(job.spec.stepTimeoutsMs),
          artifacts: job.spec.artifacts ?? [],
          artifactsWhen: job.spec.artifactsWhen ?? 'on_success',
          needsArtifacts: job.spec.needsArtifacts ?? [],
          junitReports: job.spec.reports?.junit ?? [],
        },
        maxLogBytes: lifecycle.maxLogBytesPerJob,
      };
      // The backstop for specs the pipeline limits let through: never send what the agent cannot read.
      const specBytes = claimResponseBytes(response);
      if (specBytes > MAX_MESSAGE_BYTES) {
        const reason = `job spec is ${mebibytes(specBytes)}, over the ${mebibytes(MAX_MESSAGE_BYTES, 0)} limit of the agent protocol`;
        await lifecycle.failClaimed({ jobId: job.id, attempt: job.attempt, leaseToken: outcome.leaseToken }, reason);
        log.warn({ jobId: job.id, attempt: job.attempt, specBytes }, 'job spec too large, attempt failed');
        return { granted: false, reason: 'spec_too_large' };
      }
      log.debug({ jobId: job.id, attempt: job.attempt, agentId: request.agentId }, 'job claimed');
      return response;
    }),

    Heartbeat: unary('Heartbeat', async (request) => {
      const renewed = await lifecycle.heartbeat(leaseOf(request.lease));
      return { leaseExpiresAtMs: renewed.expiresAt.getTime(), cancelRequested: renewed.cancelRequested };
    }),

    ReportSteps: unary('ReportSteps', async (request) => {
      await lifecycle.reportSteps(leaseOf(request.lease), request.steps);
      return {};
    }),

    CreateArtifactUploads: unary('CreateArtifactUploads', async (request) => {
      const uploads = await deps.artifacts.createUploads(leaseOf(request.lease), request.paths);
      return { uploads };
    }),

    CommitArtifacts: unary('CommitArtifacts', async (request) => {
      const lease = leaseOf(request.lease);
      const files = request.files.map((file) => ({ path: file.path, size: file.size, sha256: file.sha256 }));
      const committed = await deps.artifacts.commit(lease, files);
      log.debug({ jobId: lease.jobId, attempt: lease.attempt, committed }, 'artifacts committed');
      const reportNotes = (await deps.testReports?.read(lease, request.junitReports)) ?? [];
      return { committed, reportNotes };
    }),

    GetArtifactDownloads: unary('GetArtifactDownloads', async (request) => {
      const downloads = await deps.artifacts.downloads(leaseOf(request.lease));
      return {
        downloads: downloads.map((file) => ({
          jobName: file.jobName,
          path: file.path,
          size: file.size,
          sha256: file.sha256,
          url: file.url,
        })),
      };
    }),

    FinishJob: unary('FinishJob', async (request) => {
      if (!jobResults.includes(request.result as JobResult)) {
        throw new DomainError('INVALID_INPUT', `unknown job result "${request.result}"`);
      }
      const lease = leaseOf(request.lease);
      await lifecycle.finish(lease, {
        status: request.result as JobResult,
        exitCode: request.exitCode,
        message: request.message || null,
      });
      log.debug({ jobId: lease.jobId, attempt: lease.attempt, result: request.result }, 'job finished');
      return {};
    }),

    Connect: (call) => {
      if (!authorized(call.metadata)) {
        call.destroy(
          Object.assign(
            new Error('invalid agent registration token'),
            grpcError(status.UNAUTHENTICATED, 'invalid agent registration token'),
          ),
        );
        return;
      }
      handleConnect(call, deps.presence, deps.connectStreams, log);
    },

    StreamLogs: (call, done) => {
      const callback = observed('StreamLogs', done);
      if (!authorized(call.metadata)) {
        callback(grpcError(status.UNAUTHENTICATED, 'invalid agent registration token'));
        return;
      }
      // Only a lease that no longer holds the job ends a log stream with FAILED_PRECONDITION.
      handleLogStream(
        call,
        (...answer) => {
          if (answer[0]?.code === status.FAILED_PRECONDITION) deps.metrics?.fencedCallRefused('StreamLogs');
          callback(...answer);
        },
        lifecycle,
        log,
      );
    },
  };
}

/** Bytes of the ClaimJob answer on the wire, as gRPC will serialize it. */
function claimResponseBytes(response: ClaimJobResponse): number {
  return agentServiceDefinition().ClaimJob.responseSerialize(response).length;
}

function mebibytes(bytes: number, digits = 1): string {
  return `${(bytes / (1024 * 1024)).toFixed(digits)} MiB`;
}

/** Per-step timeouts for the wire; none at all (the common case) is an empty list, not one 0 per step. */
function stepTimeoutsOf(timeouts: Array<number | null> | undefined): number[] {
  if (!timeouts?.some((timeout) => timeout !== null && timeout > 0)) return [];
  return timeouts.map((timeout) => timeout ?? 0);
}

function leaseOf(lease: Lease__Output | null): LeaseKey {
  return { jobId: lease?.jobId ?? '', attempt: lease?.attempt ?? 0, leaseToken: lease?.leaseToken ?? '' };
}

/** GANTRY_BRANCH or GANTRY_TAG as the agent protocol carries them. */
function refFields(kind: RefKind | null): { branch: string; tag: string } {
  return { branch: kind?.kind === 'branch' ? kind.name : '', tag: kind?.kind === 'tag' ? kind.name : '' };
}
