/**
 * The controller's Prometheus instruments, in a registry of its own (never
 * prom-client's global one, so several controllers in one process do not
 * collide). Event metrics are observed where the facts happen — claim, first
 * step, finish, lease expiry, refused call, each request — from values the
 * code already has, so observing adds no database round trip. The farm's
 * state (runs, jobs, queues, agents, outbox, pool) is read at scrape time by
 * `registerFarmStateGauges`.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { ClaimClock } from './claim-clock.js';

const requestSecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const queueWaitSecondsBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const startSecondsBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const jobSecondsBuckets = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 21600];

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly #claims = new ClaimClock();

  readonly #queuedToClaimed = new Histogram({
    name: 'gantry_dispatch_queued_to_claimed_seconds',
    help: 'Time from a job attempt being queued to an agent claiming it (database time).',
    labelNames: ['queue'] as const,
    buckets: queueWaitSecondsBuckets,
    registers: [this.registry],
  });
  readonly #claimsPerStatement = new Histogram({
    name: 'gantry_claims_per_statement',
    help: 'Claims sent in each claim statement: claims that arrive while two are out leave together, up to 64.',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });
  readonly #claimedToFirstStep = new Histogram({
    name: 'gantry_dispatch_claimed_to_first_step_seconds',
    help: 'Time from a claim to its first step starting (checkout included), by the start time the agent reported, observed by the controller that granted the claim.',
    labelNames: ['queue'] as const,
    buckets: startSecondsBuckets,
    registers: [this.registry],
  });
  readonly #jobDuration = new Histogram({
    name: 'gantry_job_duration_seconds',
    help: 'Duration of job attempts finished by their agent, from claim to FinishJob, by result.',
    labelNames: ['queue', 'result'] as const,
    buckets: jobSecondsBuckets,
    registers: [this.registry],
  });
  readonly #leaseExpiries = new Counter({
    name: 'gantry_lease_expiries_total',
    help: 'Attempts ended lost by the reaper because their lease expired.',
    registers: [this.registry],
  });
  readonly #fencedRefusals = new Counter({
    name: 'gantry_grpc_fenced_calls_refused_total',
    help: 'Agent calls refused with FAILED_PRECONDITION because their lease no longer holds the job.',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });
  readonly #httpDuration = new Histogram({
    name: 'gantry_http_request_duration_seconds',
    help: 'HTTP API requests by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: requestSecondsBuckets,
    registers: [this.registry],
  });
  readonly #grpcDuration = new Histogram({
    name: 'gantry_grpc_request_duration_seconds',
    help: 'Agent gRPC calls (unary and StreamLogs; not the long-lived Connect) by method and status code.',
    labelNames: ['method', 'code'] as const,
    buckets: requestSecondsBuckets,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A claim was granted: the attempt waited `queuedSeconds`; its clock to the first step starts now. */
  claimGranted(leaseToken: string, queue: string, queuedSeconds: number): void {
    this.#queuedToClaimed.observe({ queue }, queuedSeconds);
    this.#claims.start(leaseToken, queue);
  }

  /** A claim statement was sent carrying `claims` claims. */
  claimStatementSent(claims: number): void {
    this.#claimsPerStatement.observe(claims);
  }

  /**
   * The first step's report arrived (alone, or with FinishJob): observed once
   * per claim, up to the start time the agent reported (see ClaimClock.stop).
   */
  firstStepReported(leaseToken: string, startedAt: Date | null): void {
    const started = this.#claims.stop(leaseToken, startedAt?.getTime());
    if (started) this.#claimedToFirstStep.observe({ queue: started.queue }, started.seconds);
  }

  /** The agent finished its attempt with `result` after `attemptSeconds`. */
  attemptFinished(leaseToken: string, queue: string, result: string, attemptSeconds: number): void {
    this.#claims.forget(leaseToken);
    this.#jobDuration.observe({ queue, result }, attemptSeconds);
  }

  /** The attempt ended without a finish (lost agent, expired lease). */
  attemptAbandoned(leaseToken: string): void {
    this.#claims.forget(leaseToken);
  }

  leaseExpired(): void {
    this.#leaseExpiries.inc();
  }

  fencedCallRefused(method: string): void {
    this.#fencedRefusals.inc({ method });
  }

  httpRequestServed(labels: { method: string; route: string; status: number }, seconds: number): void {
    this.#httpDuration.observe({ ...labels, status: String(labels.status) }, seconds);
  }

  grpcCallServed(method: string, code: string, seconds: number): void {
    this.#grpcDuration.observe({ method, code }, seconds);
  }

  /** The exposition for a scrape, and its content type. Rejects only if a collector throws. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
