import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { ControllerCallError, type ControllerClient } from '../controller-client.js';
import type { JobMessage } from '../queue/job-consumer.js';
import type { JobRunner } from './job-runner.js';
import { handleOffer, type OfferDeps, parseOffer } from './offer-handler.js';

const bytes = (body: unknown) => new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));

describe('parseOffer', () => {
  it('reads a job offer', () => {
    expect(parseOffer(bytes({ jobId: 'j1', attempt: 2, runId: 'r1', extra: true }))).toEqual({
      jobId: 'j1',
      attempt: 2,
      runId: 'r1',
    });
  });

  it.each([
    ['{not json', /JSON/],
    [null, /jobId/],
    [{ attempt: 1, runId: 'r' }, /jobId/],
    [{ jobId: '', attempt: 1, runId: 'r' }, /jobId/],
    [{ jobId: 'j', attempt: 0, runId: 'r' }, /attempt 0/],
    [{ jobId: 'j', attempt: 1.5, runId: 'r' }, /attempt 1.5/],
    [{ jobId: 'j', attempt: '1', runId: 'r' }, /attempt "1"/],
    [{ jobId: 'j', attempt: 1 }, /runId/],
  ])('refuses %j', (body, error) => {
    expect(() => parseOffer(bytes(body))).toThrow(error);
  });
});

/** A message whose connection is closed for good: every way of settling it throws, as nats.js does then. */
function messageOfClosedConnection(body: unknown): JobMessage {
  const closed = () => {
    throw new Error('CONNECTION_CLOSED');
  };
  return { data: bytes(body), queue: 'default', ack: closed, nak: closed, term: closed };
}

/** A message of job j1's first attempt that records how it was settled in `settled`. */
function recordingMessage(settled: string[]): JobMessage {
  return {
    data: bytes({ jobId: 'j1', attempt: 1, runId: 'r1' }),
    queue: 'default',
    ack: () => settled.push('ack'),
    nak: () => settled.push('nak'),
    term: () => settled.push('term'),
  };
}

/** Deps whose controller answers every claim with `claim`; the runner records what it was asked to run. */
function offerDeps(claim: (...args: unknown[]) => Promise<unknown>) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const run = vi.fn(async () => {});
  const deps: OfferDeps = {
    controller: { claimJob: claim, finishJob: async () => {} } as unknown as ControllerClient,
    runner: { run } as unknown as JobRunner,
    logger,
    agentId: () => 'agent-1',
    onUnknownAgent: () => {},
    onRefusedAgent: () => {},
  };
  return { deps, run, lines };
}

describe('handleOffer when the offer cannot be settled', () => {
  const offer = { jobId: 'j1', attempt: 1, runId: 'r1' };

  it('still runs a granted claim', async () => {
    const job = { jobId: 'j1', steps: ['true'] };
    const { deps, run, lines } = offerDeps(async () => ({ granted: true, leaseToken: 'lease-1', job }));
    await handleOffer(messageOfClosedConnection(offer), deps);
    expect(run).toHaveBeenCalledWith({ jobId: 'j1', attempt: 1, leaseToken: 'lease-1' }, job, expect.anything());
    expect(lines.find((line) => line.msg === 'job offer not settled')).toMatchObject({ how: 'ack' });
  });

  it.each([
    ['a denied claim', async () => ({ granted: false, reason: 'taken' })],
    [
      'a claim the controller cannot answer',
      () => Promise.reject(new ControllerCallError('ClaimJob', 'UNAVAILABLE', 'down')),
    ],
    [
      'a claim refused to a revoked agent',
      () => Promise.reject(new ControllerCallError('ClaimJob', 'PERMISSION_DENIED', 'revoked')),
    ],
  ])('resolves after %s, running nothing', async (_, claim) => {
    const { deps, run } = offerDeps(claim);
    await expect(handleOffer(messageOfClosedConnection(offer), deps)).resolves.toBeUndefined();
    expect(run).not.toHaveBeenCalled();
  });

  it('returns the offer and drains after a claim denied as "draining"', async () => {
    const { deps, run } = offerDeps(async () => ({ granted: false, reason: 'draining' }));
    const onDrainRequested = vi.fn();
    const settled: string[] = [];
    await handleOffer(recordingMessage(settled), { ...deps, onDrainRequested });
    expect(settled).toEqual(['nak']);
    expect(onDrainRequested).toHaveBeenCalledOnce();
    expect(run).not.toHaveBeenCalled();
  });

  it('resolves after a malformed offer', async () => {
    const { deps, run } = offerDeps(async () => ({ granted: false }));
    await expect(handleOffer(messageOfClosedConnection('{not json'), deps)).resolves.toBeUndefined();
    expect(run).not.toHaveBeenCalled();
  });
});

describe('handleOffer when a claim is not answered', () => {
  it('asks again under the same claim id, and runs the grant whose first answer was lost', async () => {
    const job = { jobId: 'j1', steps: ['true'] };
    const claimIds: unknown[] = [];
    const { deps, run } = offerDeps(async (...args: unknown[]) => {
      claimIds.push(args[3]);
      // The first claim was granted by a replica that died before it answered.
      if (claimIds.length === 1) throw new ControllerCallError('ClaimJob', 'UNAVAILABLE', 'connection reset');
      return { granted: true, leaseToken: args[3], job };
    });
    const settled: string[] = [];
    await handleOffer(recordingMessage(settled), deps);
    expect(claimIds).toHaveLength(2);
    expect(claimIds[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(claimIds[1]).toBe(claimIds[0]);
    expect(settled).toEqual(['ack']);
    expect(run).toHaveBeenCalledWith({ jobId: 'j1', attempt: 1, leaseToken: claimIds[0] }, job, expect.anything());
  });

  it('does not ask again after a refusal, and returns the offer after a few unanswered claims', async () => {
    let refusals = 0;
    const refused = offerDeps(() => {
      refusals++;
      return Promise.reject(new ControllerCallError('ClaimJob', 'INVALID_ARGUMENT', 'bad'));
    });
    const refusedSettled: string[] = [];
    await handleOffer(recordingMessage(refusedSettled), refused.deps);
    expect(refusals).toBe(1);
    expect(refusedSettled).toEqual(['nak']);

    let calls = 0;
    const down = offerDeps(() => {
      calls++;
      return Promise.reject(new ControllerCallError('ClaimJob', 'UNAVAILABLE', 'down'));
    });
    const settled: string[] = [];
    await handleOffer(recordingMessage(settled), down.deps);
    expect(calls).toBeGreaterThan(1);
    expect(settled).toEqual(['nak']);
    expect(down.run).not.toHaveBeenCalled();
  });
});
