/**
 * Test support: an in-process gRPC AgentService that records every call.
 * Each handler can be replaced per test; the defaults grant every claim for
 * jobs registered in `jobs` and accept everything else.
 */

import {
  type AgentServiceHandlers,
  agentServiceDefinition,
  type ClaimJobRequest__Output,
  type ClaimJobResponse,
  type FinishJobRequest__Output,
  type HeartbeatRequest__Output,
  type HeartbeatResponse,
  type JobSpec,
  type LogChunk__Output,
  type RegisterRequest__Output,
  type ReportStepRequest__Output,
} from '@gantry/proto';
import * as grpc from '@grpc/grpc-js';

export type Call =
  | { method: 'Register'; request: RegisterRequest__Output; authorization: string }
  | { method: 'ClaimJob'; request: ClaimJobRequest__Output }
  | { method: 'Heartbeat'; request: HeartbeatRequest__Output }
  | { method: 'StreamLogs'; chunks: LogChunk__Output[] }
  | { method: 'ReportStep'; request: ReportStepRequest__Output }
  | { method: 'FinishJob'; request: FinishJobRequest__Output };

type Answer<T> = T | { error: grpc.status; details?: string };

export class FakeController {
  readonly calls: Call[] = [];
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
        }
      : { granted: false, reason: 'unknown_job' };
  };
  heartbeat: (request: HeartbeatRequest__Output) => Answer<HeartbeatResponse> = () => ({});
  register: (request: RegisterRequest__Output) => Answer<{ agentId: string }> = () => ({ agentId: 'agent-1' });
  #server = new grpc.Server();
  #listeners: Array<() => void> = [];
  address = '';

  /** Resolves when a recorded call satisfies `predicate` (checked after every call). */
  waitFor<T extends Call>(predicate: (call: Call) => call is T): Promise<T>;
  waitFor(predicate: (call: Call) => boolean): Promise<Call>;
  waitFor(predicate: (call: Call) => boolean): Promise<Call> {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.calls.find(predicate);
        if (found) resolve(found);
        else this.#listeners.push(check);
      };
      check();
    });
  }

  async start(): Promise<void> {
    const reply = <T>(callback: grpc.sendUnaryData<T>, answer: Answer<T>) => {
      if (answer && typeof answer === 'object' && 'error' in answer) {
        callback({ code: answer.error, details: answer.details ?? 'fake error' } as grpc.ServiceError, null);
      } else callback(null, answer as T);
    };
    const handlers: AgentServiceHandlers = {
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
      ClaimJob: (call, callback) => {
        this.#record({ method: 'ClaimJob', request: call.request });
        reply(callback, this.claim(call.request));
      },
      Heartbeat: (call, callback) => {
        this.#record({ method: 'Heartbeat', request: call.request });
        reply(callback, this.heartbeat(call.request));
      },
      StreamLogs: (call, callback) => {
        const chunks: LogChunk__Output[] = [];
        call.on('data', (chunk: LogChunk__Output) => chunks.push(chunk));
        call.on('end', () => {
          this.#record({ method: 'StreamLogs', chunks });
          callback(null, { storedSeq: chunks.at(-1)?.seq ?? -1 });
        });
      },
      ReportStep: (call, callback) => {
        this.#record({ method: 'ReportStep', request: call.request });
        callback(null, {});
      },
      FinishJob: (call, callback) => {
        this.#record({ method: 'FinishJob', request: call.request });
        callback(null, {});
      },
    };
    this.#server.addService(agentServiceDefinition(), handlers);
    const port = await new Promise<number>((resolve, reject) =>
      this.#server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.address = `127.0.0.1:${port}`;
  }

  stop(): Promise<void> {
    this.#server.forceShutdown();
    return Promise.resolve();
  }

  #record(call: Call): void {
    this.calls.push(call);
    for (const listener of this.#listeners.splice(0)) listener();
  }
}
