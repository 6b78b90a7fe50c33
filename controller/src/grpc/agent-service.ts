/**
 * The agent-facing gRPC service (proto/gantry/agent/v1/agent.proto): checks
 * every call against the calling agent's identity (agent-identity.ts),
 * converts wire ↔ domain, and maps domain errors to status codes. No business
 * rules live here.
 */

import {
  type AgentServiceHandlers,
  agentServiceDefinition,
  type ClaimJobRequest__Output,
  type ClaimJobResponse,
  type FinishJobRequest__Output,
  type FinishJobResponse,
  type Lease__Output,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type ReportStepsRequest__Output,
  type ReportStepsResponse,
} from '@gantry/proto';
import { type sendUnaryData, status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ArtifactExchange } from '../artifacts/artifact-exchange.js';
import type { CacheExchange } from '../artifacts/cache-exchange.js';
import { DomainError, StaleLeaseError } from '../domain/errors.js';
import { type RefKind, refKindOf } from '../domain/ref-kind.js';
import { type JobResult, jobResults } from '../domain/states.js';
import type { ControllerMetrics } from '../metrics/controller-metrics.js';
import type { TestReportReader } from '../reports/report-reader.js';
import type { AgentPresence } from '../scheduler/agent-presence.js';
import type { JobLifecycle } from '../scheduler/job-lifecycle.js';
import type { SecretVault } from '../secret-store/secret-vault.js';
import {
  type AgentCallFacts,
  type AgentPrincipal,
  updateAgentRegistration,
} from '../store/agent-credentials-repository.js';
import type { CallerCredential } from '../store/caller-check.js';
import type { Database } from '../store/database.js';
import type { ClaimOutcome, LeaseKey } from '../store/leases-repository.js';
import {
  authenticateAgent,
  type CallScope,
  callerCredential,
  requireAllowedQueues,
  requireOwnAgentId,
} from './agent-identity.js';
import { endWithStatus, handleConnect } from './connect-stream.js';
import { checkQueueNames, enrol } from './enrolment.js';
import { toGrpcError } from './errors.js';
import { finishLogChunks, handleLogStream } from './log-stream.js';
import type { OpenStreams } from './open-streams.js';
import { handleWork, type UnaryRequest } from './work-stream.js';

export interface AgentServiceDeps {
  db: Database;
  lifecycle: JobLifecycle;
  /** Presigned URLs and commits of artifacts. */
  artifacts: ArtifactExchange;
  /** Cache lookups, uploads, commits and reports. */
  caches: CacheExchange;
  presence: AgentPresence;
  /** Reads the JUnit reports a commit names; without it they are kept as files only. */
  testReports?: TestReportReader;
  /** Long-lived calls (Connect, Work) that shutdown ends. */
  openStreams: OpenStreams;
  /** The standing enrolment token (GANTRY_AGENT_TOKEN): Enrol accepts it besides the tokens admins create. */
  agentToken: string;
  /** Opens a granted job's `secrets:` for its claim answer. */
  secrets: SecretVault;
  /** Adds the NATS consumers of the queues an agent registers for (it may not add them itself). */
  ensureJobConsumers?: (queues: string[]) => Promise<void>;
  heartbeatIntervalMs: number;
  leaseTtlMs: number;
  log: Logger;
  /** Call durations by method and code, and fenced calls refused. */
  metrics?: ControllerMetrics;
}

export function createAgentService(deps: AgentServiceDeps): AgentServiceHandlers {
  const { lifecycle, log, db } = deps;

  /** `callback` that also observes the call's duration and status code. */
  function observed<Res>(method: string, callback: sendUnaryData<Res>): sendUnaryData<Res> {
    const startedAt = performance.now();
    return (...answer) => {
      const code = answer[0]?.code ?? status.OK;
      deps.metrics?.grpcCallServed(method, status[code] ?? String(code), (performance.now() - startedAt) / 1000);
      callback(...answer);
    };
  }

  /** The status a failed call answers, logging refusals of identity and stale leases. */
  function failure(method: string, error: unknown, caller?: AgentPrincipal) {
    if (error instanceof StaleLeaseError) {
      log.warn({ method, err: error.message }, 'stale lease refused');
      deps.metrics?.fencedCallRefused(method);
    } else if (error instanceof DomainError && (error.code === 'FORBIDDEN' || error.code === 'UNAUTHENTICATED')) {
      log.warn({ method, agentId: caller?.id, agent: caller?.name, err: error.message }, 'agent call refused');
    }
    return toGrpcError(error, log, method);
  }

  /**
   * Wraps a unary handler: authenticates the caller by its credential (and,
   * for a call carrying a lease, checks the attempt is the caller's), maps
   * errors, observes metrics. `precheck` runs first, before any lookup.
   * `firstTry` (the calls every job makes) does the call's work with the
   * caller checked inside its own statements, a round trip less; when it
   * answers undefined (that check, or anything else, refused it) or refuses
   * the input, the call goes the usual way, which names the refusal (a bad
   * caller before bad input).
   */
  function unary<Req, Res>(
    method: string,
    handle: (request: Req, caller: AgentCallFacts) => Promise<Res>,
    options: {
      scopeOf?: (request: NoInfer<Req>) => CallScope;
      precheck?: (request: NoInfer<Req>) => void;
      firstTry?: (request: NoInfer<Req>, caller: CallerCredential) => Promise<Res | undefined>;
    } = {},
  ) {
    return (call: UnaryRequest<Req>, done: sendUnaryData<Res>) => {
      const callback = observed(method, done);
      let caller: AgentPrincipal | undefined;
      const work = async () => {
        options.precheck?.(call.request);
        const credential = options.firstTry ? callerCredential(call.metadata) : null;
        const answered = credential
          ? await options.firstTry?.(call.request, credential).catch(undefinedOnRefusedInput)
          : undefined;
        if (answered !== undefined) return answered;
        const facts = await authenticateAgent(db, call.metadata, options.scopeOf?.(call.request));
        caller = facts;
        return handle(call.request, facts);
      };
      work().then(
        (response) => callback(null, response),
        (error) => callback(failure(method, error, caller)),
      );
    };
  }

  /** The claim's answer to the agent: the job spec with its secrets, or why it was not granted. */
  async function answerClaim(agentId: string, outcome: ClaimOutcome): Promise<ClaimJobResponse> {
    if (!outcome.granted) return { granted: false, reason: outcome.reason };
    const { job } = outcome;
    const leaseKey = { jobId: job.id, attempt: job.attempt, leaseToken: outcome.leaseToken };
    const granted = await deps.secrets.grantedTo(deps.db, job.repo, job.spec.secrets ?? []);
    if (!granted.ok) {
      await lifecycle.failClaimed(leaseKey, granted.reason);
      log.warn(
        { jobId: job.id, attempt: job.attempt, reason: granted.reason },
        'job secrets unavailable, attempt failed',
      );
      return { granted: false, reason: 'secret_missing' };
    }
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
        caches: (job.spec.caches ?? []).map((cache) => ({
          keyFiles: cache.key.files,
          keyPrefix: cache.key.prefix ?? '',
          paths: cache.paths,
          policy: cache.policy,
          when: cache.when,
          fallbackKeys: cache.fallbackKeys,
        })),
        junitReports: job.spec.reports?.junit ?? [],
      },
      maxLogBytes: lifecycle.maxLogBytesPerJob,
      secrets: granted.values,
      acceptsGzipChunks: true,
      acceptsFinishSteps: true,
      acceptsFinishLogs: true,
    };
    // The backstop for specs the pipeline limits let through: never send what the agent cannot read.
    const specBytes = claimResponseBytes(response);
    if (specBytes > MAX_MESSAGE_BYTES) {
      const reason = `job spec is ${mebibytes(specBytes)}, over the ${mebibytes(MAX_MESSAGE_BYTES, 0)} limit of the agent protocol`;
      await lifecycle.failClaimed(leaseKey, reason);
      log.warn({ jobId: job.id, attempt: job.attempt, specBytes }, 'job spec too large, attempt failed');
      return { granted: false, reason: 'spec_too_large' };
    }
    log.debug({ jobId: job.id, attempt: job.attempt, agentId }, 'job claimed');
    return response;
  }

  /** Finishes the call's attempt; with `credential`, only as the attempt's agent (undefined: refused). */
  async function finishAs(request: FinishJobRequest__Output, credential?: CallerCredential) {
    const lease = leaseOf(request.lease);
    const finished = await lifecycle.finish(
      lease,
      { status: request.result as JobResult, exitCode: request.exitCode, message: request.message || null },
      {
        steps: request.steps,
        logs: finishLogChunks(lease, request.logChunks),
        ...(credential ? { caller: credential } : {}),
      },
    );
    if (finished === 'not_the_caller') return undefined;
    log.debug({ jobId: lease.jobId, attempt: lease.attempt, result: request.result }, 'job finished');
    return {};
  }

  const withLease = { scopeOf: (request: { lease: Lease__Output | null }) => ({ lease: leaseOf(request.lease) }) };

  const claimJob = unary<ClaimJobRequest__Output, ClaimJobResponse>(
    'ClaimJob',
    async (request, caller) => {
      requireOwnAgentId(caller, request.agentId);
      const queue = caller.jobQueue;
      if (queue !== null && !caller.queues.includes(queue)) {
        throw new DomainError(
          'FORBIDDEN',
          `agent "${caller.name}" is not registered for queue "${queue}" (it serves ${caller.queues.join(', ')})`,
        );
      }
      const outcome = await lifecycle.claim(request.agentId, request.jobId, request.attempt, claimIdOf(request));
      return answerClaim(request.agentId, outcome);
    },
    {
      scopeOf: (request) => ({ claimedJobId: request.jobId }),
      // The caller's identity, own id and queue are checked by the claim's statement.
      firstTry: async (request, credential) => {
        const options = { ...claimIdOf(request), caller: credential };
        const outcome = await lifecycle.claim(request.agentId, request.jobId, request.attempt, options);
        return outcome.granted ? answerClaim(request.agentId, outcome) : undefined;
      },
    },
  );

  const reportSteps = unary<ReportStepsRequest__Output, ReportStepsResponse>(
    'ReportSteps',
    async (request) => {
      await lifecycle.reportSteps(leaseOf(request.lease), request.steps);
      return {};
    },
    withLease,
  );

  const finishJob = unary<FinishJobRequest__Output, FinishJobResponse>(
    'FinishJob',
    async (request) => {
      if (!isJobResult(request.result)) {
        throw new DomainError('INVALID_INPUT', `unknown job result "${request.result}"`);
      }
      await finishAs(request);
      return {};
    },
    {
      ...withLease,
      // The finish's first statement checks that the attempt is the caller's, and the caller not revoked.
      firstTry: async (request, credential) =>
        isJobResult(request.result) ? finishAs(request, credential) : undefined,
    },
  );

  return {
    Enrol: (call, done) => {
      const callback = observed('Enrol', done);
      enrol(db, deps.agentToken, call.metadata, call.request).then(
        (enrolment) => {
          log.info(
            { agentId: enrolment.agentId, name: call.request.name, queues: call.request.queues },
            'agent enrolled',
          );
          callback(null, enrolment);
        },
        (error) => callback(failure('Enrol', error)),
      );
    },

    Register: unary(
      'Register',
      async (request, caller) => {
        if (request.name !== caller.name) {
          throw new DomainError(
            'FORBIDDEN',
            `this credential belongs to agent "${caller.name}", not "${request.name.slice(0, 128)}"`,
          );
        }
        checkQueueNames(request.queues);
        requireAllowedQueues(caller.allowedQueues, request.queues, `the enrolment token of agent "${caller.name}"`);
        const registration = {
          hostname: request.hostname.slice(0, 255),
          queues: request.queues,
          slots: Math.max(1, Math.min(request.slots, 256)),
          version: request.agentVersion.slice(0, 64),
        };
        if (!(await updateAgentRegistration(db, caller.id, registration))) {
          throw new DomainError('FORBIDDEN', `agent "${caller.name}" was revoked`);
        }
        log.info(
          { agentId: caller.id, name: caller.name, queues: registration.queues, slots: registration.slots },
          'agent registered',
        );
        await deps.ensureJobConsumers?.(registration.queues);
        return { agentId: caller.id, heartbeatIntervalMs: deps.heartbeatIntervalMs, leaseTtlMs: deps.leaseTtlMs };
      },
      { precheck: (request) => checkProtocolVersion(request.protocolVersion) },
    ),

    ClaimJob: claimJob,

    Heartbeat: unary(
      'Heartbeat',
      async (request) => {
        const renewed = await lifecycle.heartbeat(leaseOf(request.lease));
        return {
          leaseExpiresAtMs: renewed.expiresAt.getTime(),
          cancelRequested: renewed.cancelRequested,
          drainRequested: renewed.drainRequested,
        };
      },
      withLease,
    ),

    ReportSteps: reportSteps,

    CreateArtifactUploads: unary(
      'CreateArtifactUploads',
      async (request) => {
        const uploads = await deps.artifacts.createUploads(leaseOf(request.lease), request.paths);
        return { uploads };
      },
      withLease,
    ),

    CommitArtifacts: unary(
      'CommitArtifacts',
      async (request) => {
        const lease = leaseOf(request.lease);
        const files = request.files.map((file) => ({
          path: file.path,
          size: file.size,
          sha256: file.sha256,
          // An agent older than this field sends none.
          executable: file.executable === true,
        }));
        const committed = await deps.artifacts.commit(lease, files);
        log.debug({ jobId: lease.jobId, attempt: lease.attempt, committed }, 'artifacts committed');
        const reportNotes = (await deps.testReports?.read(lease, request.junitReports)) ?? [];
        return { committed, reportNotes };
      },
      withLease,
    ),

    GetArtifactDownloads: unary(
      'GetArtifactDownloads',
      async (request) => {
        const downloads = await deps.artifacts.downloads(leaseOf(request.lease));
        return {
          downloads: downloads.map((file) => ({
            jobName: file.jobName,
            path: file.path,
            size: file.size,
            sha256: file.sha256,
            url: file.url,
            executable: file.executable,
          })),
        };
      },
      withLease,
    ),

    GetCacheDownload: unary(
      'GetCacheDownload',
      async (request) => {
        const found = await deps.caches.download(leaseOf(request.lease), request.keys);
        if (found === null) return { found: false };
        const { key, exact, scope, size, sha256, url, format } = found;
        return { found: true, key, exact, scope, size, sha256, url, format };
      },
      withLease,
    ),

    CreateCacheUpload: unary(
      'CreateCacheUpload',
      async (request) => deps.caches.createUpload(leaseOf(request.lease), request.key),
      withLease,
    ),

    CommitCache: unary(
      'CommitCache',
      async (request) => {
        const lease = leaseOf(request.lease);
        const { key, uploadId, size, sha256, format } = request;
        await deps.caches.commit(lease, { key, uploadId, size, sha256, format });
        log.debug({ jobId: lease.jobId, attempt: lease.attempt, key, size }, 'cache committed');
        return {};
      },
      withLease,
    ),

    ReportCaches: unary(
      'ReportCaches',
      async (request) => {
        await deps.caches.report(leaseOf(request.lease), request.caches);
        return {};
      },
      withLease,
    ),

    FinishJob: finishJob,

    Work: (call) => handleWork(call, { claimJob, reportSteps, finishJob }, deps.openStreams),

    Connect: (call) => {
      // Taken before authentication: of two Connects of one agent, the one begun later keeps the session.
      const startedAt = performance.now();
      const callAgeMs = () => performance.now() - startedAt;
      // A session opened (and closed) under another agent's id would mark that agent's attempts lost.
      const refuse = (error: unknown, caller?: AgentPrincipal) =>
        endWithStatus(call, failure('Connect', error, caller));
      authenticateAgent(db, call.metadata).then((caller) => {
        try {
          requireOwnAgentId(caller, call.request.agentId);
        } catch (error) {
          refuse(error, caller);
          return;
        }
        handleConnect(call, callAgeMs, { presence: deps.presence, streams: deps.openStreams, log });
      }, refuse);
    },

    StreamLogs: (call, done) => {
      const callback = observed('StreamLogs', done);
      // The caller is checked with its lease, in one lookup, once the first chunk names it.
      const checkLease = async (lease: LeaseKey | null) => {
        try {
          await authenticateAgent(db, call.metadata, { lease: lease ?? undefined });
        } catch (error) {
          failure('StreamLogs', error);
          throw error;
        }
      };
      // Only a lease that no longer holds the job ends a log stream with FAILED_PRECONDITION.
      handleLogStream(
        call,
        (...answer) => {
          if (answer[0]?.code === status.FAILED_PRECONDITION) deps.metrics?.fencedCallRefused('StreamLogs');
          callback(...answer);
        },
        { lifecycle, log, checkLease },
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

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The claim's `claim_id` as lifecycle.claim takes it; INVALID_INPUT unless empty or a UUID. */
function claimIdOf(request: ClaimJobRequest__Output): { claimId?: string } {
  if (!request.claimId) return {};
  if (!uuidPattern.test(request.claimId)) throw new DomainError('INVALID_INPUT', 'claim_id must be a UUID when given');
  return { claimId: request.claimId.toLowerCase() };
}

function checkProtocolVersion(version: number): void {
  if (version !== PROTOCOL_VERSION) {
    throw new DomainError(
      'PROTOCOL_MISMATCH',
      `agent speaks protocol ${version}, controller speaks ${PROTOCOL_VERSION}`,
    );
  }
}

function leaseOf(lease: Lease__Output | null): LeaseKey {
  return { jobId: lease?.jobId ?? '', attempt: lease?.attempt ?? 0, leaseToken: lease?.leaseToken ?? '' };
}

/** GANTRY_BRANCH or GANTRY_TAG as the agent protocol carries them. */
function refFields(kind: RefKind | null): { branch: string; tag: string } {
  return { branch: kind?.kind === 'branch' ? kind.name : '', tag: kind?.kind === 'tag' ? kind.name : '' };
}

function isJobResult(result: string): result is JobResult {
  return jobResults.includes(result as JobResult);
}

/** A firstTry that refused its input answers undefined: the usual way names the refusal once the caller is known. */
function undefinedOnRefusedInput(error: unknown): undefined {
  if (error instanceof DomainError && error.code === 'INVALID_INPUT') return undefined;
  throw error;
}
