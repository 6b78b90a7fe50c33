/**
 * The agent when the controller misbehaves: stale leases on every kind of
 * call (kill at once, report nothing more), FinishJob retried until answered,
 * and a controller restart in the middle of a job that loses and repeats no
 * log byte and no report.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { useAgentFixture } from './testing/agent-fixture.js';

const f = useAgentFixture();
const { offer, logLine, finishOf, methodsFor, logTextOf, start } = f;
const stale = { error: grpc.status.FAILED_PRECONDITION, details: 'stale lease' } as const;

/** Calls the controller recorded that carried this job's lease. */
const leaseCalls = (jobId: string) =>
  f.controller.calls.filter((c) => 'request' in c && 'lease' in c.request && c.request.lease?.jobId === jobId);

describe('agent under controller faults', () => {
  it('a stale answer to ReportSteps kills the running step at once and reports nothing more', async () => {
    // No heartbeat during the test: the only calls are the ones the job makes.
    f.controller.heartbeatIntervalMs = 60_000;
    let staleJob = '';
    f.controller.reportSteps = (request) =>
      request.lease?.jobId === staleJob && request.steps.some((step) => step.stepIndex === 1) ? stale : {};
    await start();
    staleJob = await offer(['echo one', 'sleep 1000', 'echo never']);
    expect(await logLine({ msg: 'lease lost, killing job', jobId: staleJob })).toMatchObject({ reason: 'stale' });
    // Logged once `sleep 1000` has ended: it was killed.
    await logLine({ msg: 'job abandoned, lease lost', jobId: staleJob });
    const refused = leaseCalls(staleJob).findIndex(
      (c) => c.method === 'ReportSteps' && c.request.steps.some((step) => step.stepIndex === 1),
    );
    expect(leaseCalls(staleJob).slice(refused + 1)).toEqual([]);
    expect(methodsFor(staleJob)).not.toContain('FinishJob');
  });

  it('a stale answer on the log stream kills a silent step at once', async () => {
    f.controller.heartbeatIntervalMs = 60_000;
    let staleJob = '';
    f.controller.streamLogs = (chunk) => (chunk.lease?.jobId === staleJob ? stale : 'ok');
    await start();
    // The step prints once, then stays silent: the refusal must not wait for more output.
    staleJob = await offer(['echo started; sleep 1000']);
    expect(await logLine({ msg: 'lease lost, killing job', jobId: staleJob })).toMatchObject({ reason: 'stale' });
    await logLine({ msg: 'job abandoned, lease lost', jobId: staleJob });
    expect(methodsFor(staleJob)).not.toContain('FinishJob');
  });

  it('a stale answer to FinishJob is final', async () => {
    let staleJob = '';
    f.controller.finishJob = (request) => (request.lease?.jobId === staleJob ? stale : {});
    await start();
    staleJob = await offer(['true']);
    await logLine({ msg: 'lease lost, killing job', jobId: staleJob });
    // One slot: the next job runs only once the stale one is cleaned up.
    const nextJob = await offer(['true']);
    expect((await finishOf(nextJob)).request.result).toBe('succeeded');
    expect(leaseCalls(staleJob).filter((c) => c.method === 'FinishJob')).toHaveLength(1);
  });

  it('retries FinishJob until the controller answers', async () => {
    let refusals = 3;
    f.controller.finishJob = () =>
      refusals-- > 0 ? { error: grpc.status.UNAVAILABLE, details: 'controller restarting' } : {};
    await start();
    const jobId = await offer(['echo hi']);
    const finished = await logLine({ msg: 'job finished', jobId });
    expect(finished).toMatchObject({ result: 'succeeded', reported: true });
    const finishes = leaseCalls(jobId).filter((c) => c.method === 'FinishJob');
    expect(finishes).toHaveLength(4);
    expect(new Set(finishes.map((c) => JSON.stringify(c.request))).size).toBe(1);
  });

  // Retries back off up to 2 s each: give the recovery room on a busy machine.
  it('rides out a controller restart mid-job: heartbeats, reports, logs and the result all arrive', {
    timeout: 30_000,
  }, async () => {
    await start();
    const down = join(f.root, 'restart.down');
    const back = join(f.root, 'restart.back');
    const step2 = `echo two; until [ -e ${down} ]; do sleep 0.02; done; seq 1 3000; echo three`;
    const step3 = `until [ -e ${back} ]; do sleep 0.02; done; echo four`;
    const jobId = await offer(['echo one', step2, step3]);
    // The controller has stored step 2's first line; then it goes away.
    await f.controller.waitUntil(() => logTextOf(jobId).includes('two\n'));
    f.controller.stopServer();
    writeFileSync(down, '');
    // While it is down, the agent keeps trying: the step report and the heartbeat both fail and are retried.
    await logLine({ msg: 'controller call failed, retrying', method: 'ReportSteps', jobId });
    await logLine({ msg: 'heartbeat failed, retrying', jobId });
    await f.controller.startServer();
    await logLine({ msg: 'heartbeat renewed', jobId });
    writeFileSync(back, '');
    const finish = await finishOf(jobId);
    expect(finish.request).toMatchObject({ result: 'succeeded', exitCode: 0 });
    const numbers = Array.from({ length: 3000 }, (_, i) => `${i + 1}\n`).join('');
    // Every byte exactly once, in order (logTextOf also checks gapless seqs and identical resends).
    expect(logTextOf(jobId)).toBe(`$ echo one\none\n$ ${step2}\ntwo\n${numbers}three\n$ ${step3}\nfour\n`);
    expect(f.stepsOf(jobId)).toEqual([
      [0, 'succeeded', 0],
      [1, 'succeeded', 0],
      [2, 'succeeded', 0],
    ]);
  });
});
