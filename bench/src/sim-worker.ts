/**
 * The working mode of a simulated agent (bench/src/sim-agents.ts --work): it
 * takes jobs the way the real agent does (agent/src/queue/job-consumer.ts,
 * runner/offer-handler.ts, runner/job-runner.ts) but runs no process.
 * One pull loop per agent on the queue's durable consumer, asking each pull
 * for as many offers as the agent has free slots, a pull outstanding only
 * while a slot is free; per offer: ClaimJob
 * (ack when granted, term when denied, nak after 2 s when the call failed),
 * then the calls a one-step no-op job costs the controller: FinishJob with
 * the step's report and its one short log chunk. A controller that does not
 * take step reports with FinishJob gets them as ReportSteps calls ("running"
 * first, "succeeded" together with the log); one that does not take log chunks
 * there gets the chunk on a StreamLogs call of its own (ended, its
 * acknowledgement awaited) before FinishJob. Heartbeats at the interval Register gave, as the real agent's
 * lease keeper does (a no-op job ends long before the first one is due).
 * ClaimJob and FinishJob go over the agent's own Work channel (one Work call
 * per simulated agent), as unary calls to a controller without it.
 */

import { type PulledMessage, PullInbox, WorkChannel } from '@gantry/agent';
import {
  type AgentServiceClient,
  type ClaimJobResponse__Output,
  type LogChunk,
  natsTopology,
  type StepReport,
} from '@gantry/proto';
import type * as grpc from '@grpc/grpc-js';
import type { NatsConnection } from 'nats';

export interface WorkerCounters {
  claimed: number;
  denied: number;
  finished: number;
  callErrors: number;
  pullErrors: number;
}

export interface WorkerOptions {
  client: AgentServiceClient;
  agentId: string;
  nats: NatsConnection;
  queue: string;
  slots: number;
  heartbeatIntervalMs: number;
  metadata: () => grpc.Metadata;
  counters: WorkerCounters;
  /** Aborting stops pulling; jobs already claimed are finished. */
  signal: AbortSignal;
}

const pullExpiresMs = 10_000;
const claimRetryDelayMs = 2000;
const callTimeoutMs = 10_000;
const logLine = new TextEncoder().encode('simulated no-op step\n');

type Unary<Req, Res> = (
  req: Req,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Res) => void,
) => unknown;

function call<Req, Res>(options: WorkerOptions, method: Unary<Req, Res>, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(
      options.client,
      request,
      options.metadata(),
      { deadline: Date.now() + callTimeoutMs },
      (error, response) => (error || response === undefined ? reject(error ?? new Error('empty')) : resolve(response)),
    );
  });
}

/** ClaimJob or FinishJob as the real agent sends them: on its Work call, else unary. */
function workCall<Res>(options: WorkerOptions, work: WorkChannel, kind: 'claimJob' | 'finishJob', request: object) {
  if (work.supported) return work.request(kind, request, callTimeoutMs) as Promise<Res>;
  return call(options, options.client[kind] as Unary<object, Res>, request);
}

/** Pulls and works jobs until the signal aborts and every claimed job is finished. */
export async function workJobs(options: WorkerOptions): Promise<void> {
  const { nats, queue, signal, counters } = options;
  const work = new WorkChannel(options.client, options.metadata, () => 'simulated agent');
  const running = new Set<Promise<void>>();
  let freed: (() => void) | undefined;
  const waitForFree = () =>
    running.size < options.slots ? Promise.resolve() : new Promise<void>((resolve) => (freed = resolve));
  // The real agent's pull requests, on one inbox kept from pull to pull.
  const inbox = new PullInbox({
    nc: nats,
    stream: natsTopology.jobsStream,
    consumer: natsTopology.jobsConsumer(queue),
    onMessage: (message) => {
      if (signal.aborted || running.size >= options.slots) {
        message.nak();
        return;
      }
      const job = workOne(options, work, message.data, message).finally(() => {
        running.delete(job);
        freed?.();
        freed = undefined;
      });
      running.add(job);
    },
  });
  const withdraw = () => inbox.withdraw();
  signal.addEventListener('abort', withdraw, { once: true });
  try {
    while (!signal.aborted) {
      await waitForFree();
      if (signal.aborted) break;
      try {
        // As many offers as there are free slots, as the real agent asks: a burst's jobs come on one pull.
        await inbox.pull(options.slots - running.size, pullExpiresMs);
      } catch {
        if (signal.aborted) break;
        counters.pullErrors++;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    signal.removeEventListener('abort', withdraw);
    inbox.close();
  }
  await Promise.all(running);
}

/** One offer to its end. Never rejects. */
async function workOne(
  options: WorkerOptions,
  work: WorkChannel,
  data: Uint8Array,
  settle: PulledMessage,
): Promise<void> {
  const { client, agentId, counters } = options;
  let offer: { jobId: string; attempt: number };
  try {
    offer = JSON.parse(new TextDecoder().decode(data)) as { jobId: string; attempt: number };
  } catch {
    settle.term();
    return;
  }
  let claim: ClaimJobResponse__Output;
  try {
    claim = await workCall<ClaimJobResponse__Output>(options, work, 'claimJob', {
      agentId,
      jobId: offer.jobId,
      attempt: offer.attempt,
    });
  } catch {
    counters.callErrors++;
    settle.nak(claimRetryDelayMs);
    return;
  }
  if (!claim.granted) {
    counters.denied++;
    settle.term();
    return;
  }
  settle.ack();
  counters.claimed++;
  const lease = { jobId: offer.jobId, attempt: offer.attempt, leaseToken: claim.leaseToken };
  const heartbeat = setInterval(() => {
    call(options, client.heartbeat as Unary<unknown, unknown>, { lease }).catch(() => counters.callErrors++);
  }, options.heartbeatIntervalMs);
  try {
    const startedAtMs = Date.now();
    const report = (steps: StepReport[]) =>
      call(options, client.reportSteps as Unary<unknown, unknown>, { lease, steps });
    // As a real agent does: a short job's reports travel with FinishJob when the controller takes them there.
    const withFinish = claim.acceptsFinishSteps;
    if (!withFinish) await report([{ stepIndex: 0, state: 'running', exitCode: 0, startedAtMs, finishedAtMs: 0 }]);
    const finishedAtMs = Date.now();
    const lastSteps = [{ stepIndex: 0, state: 'succeeded', exitCode: 0, startedAtMs, finishedAtMs }];
    const logWithFinish = claim.acceptsFinishLogs;
    await Promise.all([
      logWithFinish ? undefined : streamLog(options, lease),
      withFinish ? undefined : report(lastSteps),
    ]);
    clearInterval(heartbeat);
    await workCall<unknown>(options, work, 'finishJob', {
      lease,
      result: 'succeeded',
      exitCode: 0,
      message: '',
      steps: withFinish ? lastSteps : [],
      logChunks: logWithFinish ? [{ lease, seq: 0, offset: 0, data: logLine, stepIndex: 0 }] : [],
    });
    counters.finished++;
  } catch {
    counters.callErrors++;
  } finally {
    clearInterval(heartbeat);
  }
}

/** One StreamLogs call with one chunk; resolves once the controller acknowledged storing it. */
function streamLog(options: WorkerOptions, lease: { jobId: string; attempt: number; leaseToken: string }) {
  return new Promise<void>((resolve, reject) => {
    const stream = options.client.streamLogs(options.metadata(), (error: grpc.ServiceError | null) =>
      error ? reject(error) : resolve(),
    ) as grpc.ClientWritableStream<LogChunk>;
    stream.write({ lease, seq: 0, offset: 0, data: logLine, stepIndex: 0 });
    stream.end();
  });
}
