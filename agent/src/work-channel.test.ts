/**
 * ClaimJob, ReportSteps and FinishJob over the Work call (work-channel.ts):
 * one call for many jobs, unary calls to a controller without Work (or whose
 * Work predates ReportSteps), a dropped call's unanswered request retried on
 * a new one, and a request's own timeout.
 */
import {
  agentServiceClientConstructor,
  agentServiceDefinition,
  natsTopology,
  type WorkRequest__Output,
} from '@gantry/proto';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { createControllerClient } from './controller-client.js';
import { useAgentFixture } from './testing/agent-fixture.js';
import type { Call } from './testing/fake-controller.js';
import { WorkChannel } from './work-channel.js';

const f = useAgentFixture();
const { offer, finishOf, start } = f;

type WorkCall = Extract<Call, { method: 'ClaimJob' | 'FinishJob' }>;
const jobCalls = () =>
  f.controller.calls.filter((c): c is WorkCall => c.method === 'ClaimJob' || c.method === 'FinishJob');

describe('the Work call', () => {
  it('carries the claims and finishes of many jobs on one call', async () => {
    await start();
    for (const step of ['echo one', 'echo two', 'exit 3']) await finishOf(await offer([step]));
    expect(jobCalls().map((c) => `${c.method} ${c.via}`)).toEqual(
      Array.from({ length: 3 }, () => ['ClaimJob work', 'FinishJob work']).flat(),
    );
    expect(f.controller.workCallsOpened).toBe(1);
    expect(f.controller.calls.filter((c) => c.method === 'FinishJob').map((c) => c.request.result)).toEqual([
      'succeeded',
      'succeeded',
      'failed',
    ]);
  });

  /**
   * Runs a job whose step lasts until its start was reported, then cancels it:
   * returns that first report once the job finished canceled.
   */
  async function firstReportOfCanceledJob(): Promise<Call> {
    const jobId = await offer(['echo started; sleep 1000']);
    const report = await f.controller.waitFor((c) => c.method === 'ReportSteps' && c.request.lease?.jobId === jobId);
    // nats.js gives a request 1 s by default: too little on a loaded machine.
    await f.nc.request(
      natsTopology.agentControlSubject('agent-1'),
      JSON.stringify({ type: 'cancel', jobId, attempt: 1 }),
      { timeout: 10_000 },
    );
    expect((await finishOf(jobId)).request.result).toBe('canceled');
    return report;
  }

  it('reports the steps of a job that outlasts its hold on the same call', async () => {
    await start();
    const report = await firstReportOfCanceledJob();
    expect(report).toMatchObject({ via: 'work', request: { steps: [{ stepIndex: 0, state: 'running' }] } });
    expect(f.controller.calls.filter((c) => c.method === 'ReportSteps').map((c) => c.via)).toEqual(['work']);
    expect(f.controller.workCallsOpened).toBe(1);
  });

  it('sends ReportSteps as a unary call to a controller whose Work predates it', async () => {
    f.controller.workReportsSteps = false;
    await start();
    const report = await firstReportOfCanceledJob();
    expect(report).toMatchObject({ via: 'unary', request: { steps: [{ stepIndex: 0, state: 'running' }] } });
    expect(jobCalls().map((c) => `${c.method} ${c.via}`)).toEqual(['ClaimJob work', 'FinishJob work']);
  });

  it('sends unary calls to a controller without Work', async () => {
    f.controller.serveWork = false;
    await start();
    const first = await offer(['echo one']);
    expect((await finishOf(first)).request.result).toBe('succeeded');
    const second = await offer(['echo two']);
    expect((await finishOf(second)).request.result).toBe('succeeded');
    expect(jobCalls().map((c) => `${c.method} ${c.via}`)).toEqual([
      'ClaimJob unary',
      'FinishJob unary',
      'ClaimJob unary',
      'FinishJob unary',
    ]);
  });

  it('retries a finish whose Work call dropped before the answer, on a new call', async () => {
    let drop = true;
    f.controller.finishJob = () => {
      if (drop) {
        drop = false;
        // The controller goes away with the finish unanswered, and comes back.
        f.controller.stopServer();
        void f.controller.startServer();
      }
      return {};
    };
    await start();
    const jobId = await offer(['echo hi']);
    // The call ends CANCELLED or UNAVAILABLE, depending on how the reset reaches the agent: both are retried.
    await f.logLine({ msg: 'controller call failed, retrying', method: 'FinishJob', jobId });
    await f.controller.waitUntil(() => f.controller.calls.filter((c) => c.method === 'FinishJob').length === 2);
    const finishes = jobCalls().filter((c) => c.method === 'FinishJob');
    expect(finishes.map((c) => c.via)).toEqual(['work', 'work']);
    expect(finishes[0]?.request).toEqual(finishes[1]?.request);
    expect(f.controller.workCallsOpened).toBe(2);
  });

  it('closing the client ends its Work call: an unanswered request fails CANCELLED at once', async () => {
    const server = new grpc.Server();
    let workOpened = () => {};
    const opened = new Promise<void>((resolve) => {
      workOpened = resolve;
    });
    // Never answers, as a controller busy for ever would not.
    server.addService(agentServiceDefinition(), {
      Work: (call: grpc.ServerDuplexStream<WorkRequest__Output, unknown>) => {
        call.on('error', () => {});
        call.on('data', () => workOpened());
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    // A timeout far past the test's own: only the close can end the claim in time.
    const client = createControllerClient({ addresses: [`127.0.0.1:${port}`], token: 't', callTimeoutMs: 600_000 });
    try {
      const claim = client.claimJob('a', 'j', 1);
      await opened; // the claim reached the controller
      client.close();
      await expect(claim).rejects.toMatchObject({ code: 'CANCELLED', method: 'ClaimJob' });
    } finally {
      server.forceShutdown();
    }
  });

  it('fails a request unanswered within its timeout, and keeps the call for the next one', async () => {
    const received: WorkRequest__Output[] = [];
    const server = new grpc.Server();
    // Answers every second request only.
    server.addService(agentServiceDefinition(), {
      Work: (call: grpc.ServerDuplexStream<WorkRequest__Output, unknown>) => {
        call.on('data', (request: WorkRequest__Output) => {
          received.push(request);
          if (received.length % 2 === 0) call.write({ id: request.id, claimJob: { granted: false, reason: 'taken' } });
        });
        call.on('end', () => call.end());
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const Client = agentServiceClientConstructor();
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const channel = new WorkChannel(
        client as never,
        () => new grpc.Metadata(),
        () => 'credential',
      );
      const claim = { agentId: 'a', jobId: 'j', attempt: 1 };
      await expect(channel.request('claimJob', claim, 100)).rejects.toEqual({
        code: grpc.status.DEADLINE_EXCEEDED,
        details: 'Deadline exceeded',
      });
      await expect(channel.request('claimJob', claim, 10_000)).resolves.toMatchObject({
        granted: false,
        reason: 'taken',
      });
      expect(received.map((r) => r.id)).toEqual([1, 2]);
      expect(channel.supported).toBe(true);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});
