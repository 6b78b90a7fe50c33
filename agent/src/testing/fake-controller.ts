/**
 * Test support: an in-process gRPC AgentService that records every call.
 * Each handler can be replaced per test; the defaults grant every claim for
 * jobs registered in `jobs` and accept everything else. `stopServer()` and
 * `startServer()` take the server down and bring it back on the same port (a
 * controller restart); what was recorded survives.
 */

import {
  type AgentServiceHandlers,
  agentServiceDefinition,
  type ClaimJobRequest__Output,
  type ClaimJobResponse,
  type ConnectRequest__Output,
  type ControllerEvent,
  type EnrolRequest__Output,
  type FinishJobRequest__Output,
  type HeartbeatRequest__Output,
  type HeartbeatResponse,
  type JobSpec,
  type LogChunk__Output,
  type RegisterRequest__Output,
  type ReportStepsRequest__Output,
  type WorkReply,
  type WorkRequest__Output,
} from '@gantry/proto';
import * as grpc from '@grpc/grpc-js';
import type { WorkKind } from '../work-channel.js';

export type Call =
  | { method: 'Enrol'; request: EnrolRequest__Output; authorization: string }
  | { method: 'Register'; request: RegisterRequest__Output; authorization: string }
  | { method: 'Connect'; request: ConnectRequest__Output }
  | { method: 'ConnectClosed'; request: ConnectRequest__Output }
  | { method: 'ClaimJob'; request: ClaimJobRequest__Output; via: Via }
  | { method: 'Heartbeat'; request: HeartbeatRequest__Output }
  | { method: 'StreamLogs'; chunks: LogChunk__Output[] }
  | { method: 'ReportSteps'; request: ReportStepsRequest__Output; via: Via }
  | { method: 'FinishJob'; request: FinishJobRequest__Output; via: Via };

/** How a ClaimJob, ReportSteps or FinishJob came: as a unary call, or as a request on a Work call. */
type Via = 'unary' | 'work';

type Answer<T> = T | { error: grpc.status; details?: string };

type ConnectCall = grpc.ServerWritableStream<ConnectRequest__Output, ControllerEvent>;

export class FakeController {
  readonly calls: Call[] = [];
  /** When each of `calls` came (Date.now(), as pino stamps log lines), by the same index. */
  readonly callTimes: number[] = [];
  /** Every log chunk received, on any StreamLogs call as it arrived (before the call ended), or with FinishJob. */
  readonly chunks: LogChunk__Output[] = [];
  readonly jobs = new Map<string, JobSpec>();
  heartbeatIntervalMs = 200;
  leaseTtlMs = 30_000;
  claim: (request: ClaimJobRequest__Output) => Answer<ClaimJobResponse> = (request) => {
    const job = this.jobs.get(request.jobId);
    return job
      ? {
          granted: true,
          leaseToken: `lease-${request.jobId}-${request.attempt}`,
          job: { ...job, attempt: request.attempt },
          acceptsFinishSteps: true,
        }
      : { granted: false, reason: 'unknown_job' };
  };
  heartbeat: (request: HeartbeatRequest__Output) => Answer<HeartbeatResponse> = () => ({});
  /** Answer to Enrol: by default agent-1 with the credential `credential-<name>`. */
  enrol: (request: EnrolRequest__Output) => Answer<{ agentId: string; credential: string }> = (request) => ({
    agentId: 'agent-1',
    credential: `credential-${request.name}`,
  });
  register: (request: RegisterRequest__Output) => Answer<{ agentId: string }> = () => ({ agentId: 'agent-1' });
  /** Answer to a Connect call: `connected` writes {kind:"connected"} and keeps the stream open. */
  connect: (request: ConnectRequest__Output) => Answer<'connected'> = () => 'connected';
  /** Above 0: "connected" names this interval, and each open Connect stream hears "alive" at it. */
  aliveIntervalMs = 0;
  /** True: no more "alive", and Heartbeat and StreamLogs calls go unanswered (a replica frozen with its connections open). */
  frozen = false;
  /** "alive" events written so far. */
  aliveSent = 0;
  reportSteps: (request: ReportStepsRequest__Output) => Answer<object> = () => ({});
  finishJob: (request: FinishJobRequest__Output) => Answer<object> = () => ({});
  /** False: Work answers UNIMPLEMENTED, as a controller from before it does. */
  serveWork = true;
  /** False: Work refuses a report_steps request as INVALID_ARGUMENT, as a controller whose Work predates it does. */
  workReportsSteps = true;
  /** Work calls opened so far. */
  workCallsOpened = 0;
  /** Answer to a StreamLogs call once the agent ended it (or an error on its first chunk). */
  streamLogs: (chunk: LogChunk__Output) => Answer<'ok'> = () => 'ok';
  #server: grpc.Server | undefined;
  #listeners: Array<() => void> = [];
  readonly #openConnects = new Set<ConnectCall>();
  #port = 0;
  address = '';

  /** Resolves when a recorded call satisfies `predicate` (checked after every call). */
  waitFor<T extends Call>(predicate: (call: Call) => call is T): Promise<T>;
  waitFor(predicate: (call: Call) => boolean): Promise<Call>;
  waitFor(predicate: (call: Call) => boolean): Promise<Call> {
    return this.waitUntil(() => this.calls.find(predicate));
  }

  /** Resolves with `check()`'s value once it is truthy (checked after every recorded call and chunk). */
  waitUntil<T>(check: () => T | undefined | false | null): Promise<T> {
    return new Promise((resolve) => {
      const poll = () => {
        const value = check();
        if (value) resolve(value);
        else this.#listeners.push(poll);
      };
      poll();
    });
  }

  /** Number of recorded calls of one method. */
  count(method: Call['method']): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  /** Open Connect streams. */
  get openConnects(): number {
    return this.#openConnects.size;
  }

  /** Ends every open Connect stream cleanly (status OK), as a controller shutting down does. */
  endConnects(): void {
    for (const call of this.#openConnects) call.end();
  }

  /** Fails every open Connect stream with `code`. */
  failConnects(code: grpc.status, details = 'fake error'): void {
    // grpc-js sends an error emitted on a server stream as the call's status.
    for (const call of this.#openConnects) call.emit('error', Object.assign(new Error(details), { code, details }));
  }

  async start(): Promise<void> {
    await this.startServer();
  }

  /** (Re)starts the server, on the same port after a stopServer(). */
  async startServer(): Promise<void> {
    const server = new grpc.Server();
    server.addService(agentServiceDefinition(), this.#handlers());
    this.#port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${this.#port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.#server = server;
    this.address = `127.0.0.1:${this.#port}`;
  }

  /** Takes the server down at once (connections reset), as a crashed controller would. */
  stopServer(): void {
    this.#server?.forceShutdown();
    this.#server = undefined;
  }

  stop(): Promise<void> {
    this.stopServer();
    return Promise.resolve();
  }

  #handlers(): AgentServiceHandlers {
    const reply = <T>(callback: grpc.sendUnaryData<T>, answer: Answer<T>) => {
      if (answer && typeof answer === 'object' && 'error' in answer) {
        callback({ code: answer.error, details: answer.details ?? 'fake error' } as grpc.ServiceError, null);
      } else callback(null, answer as T);
    };
    return {
      Enrol: (call, callback) => {
        const authorization = String(call.metadata.get('authorization')[0] ?? '');
        this.#record({ method: 'Enrol', request: call.request, authorization });
        reply(callback, this.enrol(call.request));
      },
      Register: (call, callback) => {
        const authorization = String(call.metadata.get('authorization')[0] ?? '');
        this.#record({ method: 'Register', request: call.request, authorization });
        const answer = this.register(call.request);
        reply(
          callback,
          'error' in answer
            ? answer
            : { ...answer, heartbeatIntervalMs: this.heartbeatIntervalMs, leaseTtlMs: this.leaseTtlMs },
        );
      },
      Connect: (call) => {
        this.#record({ method: 'Connect', request: call.request });
        const answer = this.connect(call.request);
        if (typeof answer === 'object') {
          const details = answer.details ?? 'fake error';
          call.emit('error', Object.assign(new Error(details), { code: answer.error, details }));
          return;
        }
        this.#openConnects.add(call);
        let closed = false;
        const alive =
          this.aliveIntervalMs > 0
            ? setInterval(() => {
                if (this.frozen || closed) return;
                call.write({ kind: 'alive' });
                this.aliveSent++;
                this.#notify();
              }, this.aliveIntervalMs)
            : undefined;
        const onClosed = () => {
          if (closed) return;
          closed = true;
          clearInterval(alive);
          this.#openConnects.delete(call);
          this.#record({ method: 'ConnectClosed', request: call.request });
        };
        call.on('cancelled', onClosed);
        call.on('close', onClosed);
        call.on('finish', onClosed);
        call.on('error', onClosed);
        call.write({ kind: 'connected', aliveIntervalMs: this.aliveIntervalMs });
      },
      ClaimJob: (call, callback) => reply(callback, this.#claimJob(call.request, 'unary')),
      Heartbeat: (call, callback) => {
        this.#record({ method: 'Heartbeat', request: call.request });
        if (this.frozen) return;
        reply(callback, this.heartbeat(call.request));
      },
      StreamLogs: (call, callback) => {
        const chunks: LogChunk__Output[] = [];
        let refused: { error: grpc.status; details?: string } | undefined;
        call.on('data', (chunk: LogChunk__Output) => {
          if (refused) return;
          const answer = this.streamLogs(chunk);
          if (typeof answer === 'object') {
            refused = answer;
            reply(callback, answer);
            return;
          }
          chunks.push(chunk);
          this.chunks.push(chunk);
          this.#notify();
        });
        call.on('error', () => {}); // the agent went away mid-stream
        call.on('end', () => {
          if (refused || this.frozen) return;
          this.#record({ method: 'StreamLogs', chunks });
          callback(null, { storedSeq: chunks.at(-1)?.seq ?? -1 });
        });
      },
      ReportSteps: (call, callback) => reply(callback, this.#reportSteps(call.request, 'unary')),
      // Artifacts are exercised against the real controller (test/e2e/artifacts.test.ts).
      CreateArtifactUploads: (_call, callback) => {
        reply(callback, { error: grpc.status.UNIMPLEMENTED, details: 'no artifacts in the fake controller' });
      },
      CommitArtifacts: (_call, callback) => {
        reply(callback, { error: grpc.status.UNIMPLEMENTED, details: 'no artifacts in the fake controller' });
      },
      GetArtifactDownloads: (_call, callback) => {
        reply(callback, { error: grpc.status.UNIMPLEMENTED, details: 'no artifacts in the fake controller' });
      },
      // Caches too (test/e2e/caches.test.ts).
      GetCacheDownload: (_call, callback) => {
        reply(callback, { error: grpc.status.UNIMPLEMENTED, details: 'no caches in the fake controller' });
      },
      CreateCacheUpload: (_call, callback) => {
        reply(callback, { error: grpc.status.UNIMPLEMENTED, details: 'no caches in the fake controller' });
      },
      CommitCache: (_call, callback) => {
        reply(callback, { error: grpc.status.UNIMPLEMENTED, details: 'no caches in the fake controller' });
      },
      ReportCaches: (_call, callback) => {
        reply(callback, { error: grpc.status.UNIMPLEMENTED, details: 'no caches in the fake controller' });
      },
      FinishJob: (call, callback) => reply(callback, this.#finishJob(call.request, 'unary')),
      Work: (call) => {
        if (!this.serveWork) {
          call.emit(
            'error',
            Object.assign(new Error('no Work'), { code: grpc.status.UNIMPLEMENTED, details: 'no Work' }),
          );
          return;
        }
        this.workCallsOpened++;
        const answer = (id: number, outcome: Answer<object>, kind: WorkKind): WorkReply =>
          'error' in outcome
            ? { id, error: { code: Number(outcome.error), details: String(outcome.details ?? 'fake error') } }
            : { id, [kind]: outcome };
        call.on('data', (request: WorkRequest__Output) => {
          if (request.claimJob) call.write(answer(request.id, this.#claimJob(request.claimJob, 'work'), 'claimJob'));
          if (request.reportSteps) {
            const outcome = this.workReportsSteps
              ? this.#reportSteps(request.reportSteps, 'work')
              : { error: grpc.status.INVALID_ARGUMENT, details: 'a Work request carries one of claim_job, finish_job' };
            call.write(answer(request.id, outcome, 'reportSteps'));
          }
          if (request.finishJob)
            call.write(answer(request.id, this.#finishJob(request.finishJob, 'work'), 'finishJob'));
        });
        call.on('error', () => {}); // the agent went away
        call.on('end', () => call.end());
      },
    };
  }

  #claimJob(request: ClaimJobRequest__Output, via: Via): Answer<ClaimJobResponse> {
    this.#record({ method: 'ClaimJob', request, via });
    return this.claim(request);
  }

  #reportSteps(request: ReportStepsRequest__Output, via: Via): Answer<object> {
    this.#record({ method: 'ReportSteps', request, via });
    return this.reportSteps(request);
  }

  #finishJob(request: FinishJobRequest__Output, via: Via): Answer<object> {
    this.#record({ method: 'FinishJob', request, via });
    this.chunks.push(...request.logChunks);
    return this.finishJob(request);
  }

  #record(call: Call): void {
    this.calls.push(call);
    this.callTimes.push(Date.now());
    this.#notify();
  }

  #notify(): void {
    for (const listener of this.#listeners.splice(0)) listener();
  }
}
