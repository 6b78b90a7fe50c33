/**
 * Turns one NATS job offer into a run (protocol step 3, ClaimJob): parse the hint,
 * claim the attempt over gRPC, then settle the message — ack and run when
 * granted, term when denied, nak with a delay when the controller cannot answer
 * (after asking again a few times under the same claim id).
 * A message that cannot be settled (the NATS connection closed for good) is
 * logged and left: NATS redelivers it after its ack wait, or drops it with its
 * consumer. A granted claim is run whatever became of its message.
 */
import { randomUUID } from 'node:crypto';
import { RetryAbortedError, retry } from '@gantry/common';
import type { JobOffer } from '@gantry/proto';
import type { Logger } from 'pino';
import { type ControllerCallError, type ControllerClient, isTransientCallError } from '../controller-client.js';
import type { AgentMetrics } from '../metrics/agent-metrics.js';
import type { JobMessage } from '../queue/job-consumer.js';
import type { JobRunner } from './job-runner.js';

/** Parses an offer's body (`{"jobId","attempt","runId"}`); throws on anything else. */
export function parseOffer(data: Uint8Array): JobOffer {
  const body: unknown = JSON.parse(new TextDecoder().decode(data));
  const { jobId, attempt, runId } = (body ?? {}) as Partial<Record<keyof JobOffer, unknown>>;
  if (typeof jobId !== 'string' || jobId.length === 0) throw new Error('offer without a jobId');
  if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 1)
    throw new Error(`offer with a bad attempt ${JSON.stringify(attempt)}`);
  if (typeof runId !== 'string') throw new Error('offer without a runId');
  return { jobId, attempt, runId };
}

/** Redelivery delay when the claim could not be decided. */
export const claimRetryDelayMs = 2000;

/**
 * A claim the controller did not answer (a replica died, the connection
 * dropped, the database is away) is asked again under the same claim id, up
 * to 4 times, none begun after the first 5 s: had it been granted, the attempt
 * runs instead of waiting for its lease to run out.
 */
const claimRetries = { initialDelayMs: 250, maxDelayMs: 2000, maxAttempts: 4 };
const claimRetryWindowMs = 5000;

export interface OfferDeps {
  controller: ControllerClient;
  runner: JobRunner;
  logger: Logger;
  /** Current agent id (it may change after a re-registration). */
  agentId: () => string;
  /** The controller no longer knows this agent (UNAUTHENTICATED / NOT_FOUND). */
  onUnknownAgent: (error: ControllerCallError) => void;
  /** The controller refused this agent a claim (PERMISSION_DENIED: it was revoked): stop taking offers. */
  onRefusedAgent: (error: ControllerCallError) => void;
  /** The controller denied a claim because this agent was asked to drain. */
  onDrainRequested?: () => void;
  /** Times each claim round trip. */
  metrics?: AgentMetrics;
}

/** Handles one offer to the end of its job (if claimed). Never rejects. */
export async function handleOffer(message: JobMessage, deps: OfferDeps): Promise<void> {
  const { controller, runner, logger } = deps;
  let offer: JobOffer;
  try {
    offer = parseOffer(message.data);
  } catch (error) {
    settle(message, 'term', logger);
    logger.warn({ queue: message.queue, err: (error as Error).message }, 'malformed job offer dropped');
    return;
  }
  const { jobId, attempt, runId } = offer;
  const log = logger.child({ jobId, attempt, runId, queue: message.queue });
  let claim: Awaited<ReturnType<ControllerClient['claimJob']>>;
  const claimStartedAt = performance.now();
  const claimSeconds = () => (performance.now() - claimStartedAt) / 1000;
  // One id for the claim and its retries: a claim granted whose answer was lost is granted again.
  const claimId = randomUUID();
  // Not AbortSignal.timeout(): its timer outlives the claim, and firing builds a DOMException, for every job.
  const retryWindow = new AbortController();
  const windowTimer = setTimeout(() => retryWindow.abort('claim retry window over'), claimRetryWindowMs);
  try {
    claim = await retry(() => controller.claimJob(deps.agentId(), jobId, attempt, claimId), {
      ...claimRetries,
      signal: retryWindow.signal,
      shouldRetry: isTransientCallError,
      onRetry: (error, failures, delayMs) =>
        log.warn({ err: (error as Error).message, failures, delayMs }, 'claim not answered, asking again'),
    });
    deps.metrics?.claimAnswered(claim.granted ? 'granted' : 'denied', claimSeconds());
  } catch (error) {
    deps.metrics?.claimAnswered('error', claimSeconds());
    const err = (error instanceof RetryAbortedError ? error.cause : error) as ControllerCallError;
    if (err.code === 'PERMISSION_DENIED') {
      // Another agent may take it at once; this one may take none.
      settle(message, 'nak', log);
      log.error({ err: err.message }, 'claim refused: this agent may not take jobs');
      deps.onRefusedAgent(err);
      return;
    }
    settle(message, 'nak', log, claimRetryDelayMs);
    log.warn({ err: err.message, delayMs: claimRetryDelayMs }, 'claim failed, offer returned');
    if (err.code === 'UNAUTHENTICATED' || err.code === 'NOT_FOUND') deps.onUnknownAgent(err);
    return;
  } finally {
    clearTimeout(windowTimer);
  }
  if (!claim.granted && claim.reason === 'draining') {
    // The job is still to run: another agent takes the offer at once.
    settle(message, 'nak', log);
    log.info('claim denied: this agent was asked to drain');
    deps.onDrainRequested?.();
    return;
  }
  if (!claim.granted) {
    settle(message, 'term', log);
    log.info({ reason: claim.reason }, 'claim denied');
    return;
  }
  settle(message, 'ack', log);
  const lease = { jobId, attempt, leaseToken: claim.leaseToken };
  if (!claim.job) {
    log.error('claim granted without a job spec');
    await controller
      .finishJob({ lease, result: 'failed', exitCode: 1, message: 'controller sent no job spec' })
      .catch(() => {});
    return;
  }
  // At debug: run() logs `job started` with the job's name next.
  log.debug('job claimed');
  await runner.run(lease, claim.job, {
    maxLogBytes: claim.maxLogBytes,
    secrets: claim.secrets,
    gzipLogChunks: claim.acceptsGzipChunks,
    finishCarriesSteps: claim.acceptsFinishSteps,
    finishCarriesLogs: claim.acceptsFinishLogs,
  });
}

/**
 * Acks, naks (redelivery after `delayMs`) or terms `message`; a failure is
 * logged, never thrown: nats.js throws once its connection is closed for good,
 * and what the offer leads to must not hang on its acknowledgement.
 */
function settle(message: JobMessage, how: 'ack' | 'nak' | 'term', log: Logger, delayMs?: number): void {
  try {
    if (how === 'ack') message.ack();
    else if (how === 'nak') message.nak(delayMs);
    else message.term();
  } catch (error) {
    log.warn({ queue: message.queue, how, err: (error as Error).message }, 'job offer not settled');
  }
}
