/**
 * The Work call's server side: each request through its unary handler,
 * answered by id in the order the handlers finish, failures as statuses, the
 * bound on unanswered requests, and how the call ends.
 */
import { EventEmitter } from 'node:events';
import { WORK_MAX_UNANSWERED, type WorkReply } from '@gantry/proto';
import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { OpenStreams } from './open-streams.js';
import { handleWork, type UnaryHandler } from './work-stream.js';

/** A server duplex call: the test emits the agent's requests and reads what was written. */
class FakeWorkCall extends EventEmitter {
  readonly metadata = new Metadata();
  readonly written: WorkReply[] = [];
  cancelled = false;
  ended = false;
  write(reply: WorkReply): boolean {
    if (this.ended) throw new Error('write after end');
    this.written.push(reply);
    return true;
  }
  end(): void {
    this.ended = true;
    this.emit('close');
  }
}

/** A handler that answers only when the test says so, recording what it was called with. */
function heldHandler<Req>() {
  const held: Array<{ request: Req; metadata: Metadata; answer: Parameters<UnaryHandler<Req, object>>[1] }> = [];
  const handler: UnaryHandler<Req, never> = (call, done) => held.push({ ...call, answer: done as never });
  return { held, handler };
}

function open() {
  const call = new FakeWorkCall();
  const claims = heldHandler<unknown>();
  const reports = heldHandler<unknown>();
  const finishes = heldHandler<unknown>();
  const streams = new OpenStreams();
  handleWork(
    call as never,
    { claimJob: claims.handler, reportSteps: reports.handler, finishJob: finishes.handler },
    streams,
  );
  return { call, claims, reports, finishes, streams };
}

describe('Work call (server side)', () => {
  it('passes each request with the call’s metadata to its handler and answers it by id, in any order', () => {
    const { call, claims, reports, finishes } = open();
    call.metadata.set('authorization', 'Bearer agent-secret');
    call.emit('data', { id: 1, call: 'claimJob', claimJob: { agentId: 'a', jobId: 'j1', attempt: 1 } });
    call.emit('data', { id: 2, call: 'finishJob', finishJob: { result: 'succeeded' } });
    call.emit('data', { id: 3, call: 'reportSteps', reportSteps: { steps: [{ stepIndex: 0, state: 'running' }] } });
    expect(claims.held[0]?.request).toEqual({ agentId: 'a', jobId: 'j1', attempt: 1 });
    expect(claims.held[0]?.metadata.get('authorization')).toEqual(['Bearer agent-secret']);
    expect(finishes.held[0]?.request).toEqual({ result: 'succeeded' });
    expect(reports.held[0]?.request).toEqual({ steps: [{ stepIndex: 0, state: 'running' }] });
    expect(reports.held[0]?.metadata.get('authorization')).toEqual(['Bearer agent-secret']);

    finishes.held[0]?.answer(null, {});
    reports.held[0]?.answer(null, {});
    claims.held[0]?.answer(null, { granted: true, leaseToken: 'l' });
    expect(call.written).toEqual([
      { id: 2, finishJob: {} },
      { id: 3, reportSteps: {} },
      { id: 1, claimJob: { granted: true, leaseToken: 'l' } },
    ]);
  });

  it('answers a refused request with its status and serves the next one', () => {
    const { call, claims } = open();
    call.emit('data', { id: 7, call: 'claimJob', claimJob: { agentId: 'b' } });
    claims.held[0]?.answer({ code: status.PERMISSION_DENIED, details: 'not your id' });
    call.emit('data', { id: 8 });
    call.emit('data', { id: 9, call: 'claimJob', claimJob: { agentId: 'a' } });
    claims.held[1]?.answer(null, { granted: false, reason: 'taken' });
    expect(call.written).toEqual([
      { id: 7, error: { code: status.PERMISSION_DENIED, details: 'not your id' } },
      { id: 8, error: { code: status.INVALID_ARGUMENT, details: expect.stringContaining('claim_job') } },
      { id: 9, claimJob: { granted: false, reason: 'taken' } },
    ]);
    expect(call.ended).toBe(false);
  });

  it(`refuses a request past ${WORK_MAX_UNANSWERED} unanswered ones`, () => {
    const { call, claims } = open();
    for (let id = 1; id <= WORK_MAX_UNANSWERED + 1; id++) call.emit('data', { id, call: 'claimJob', claimJob: {} });
    expect(claims.held).toHaveLength(WORK_MAX_UNANSWERED);
    expect(call.written).toEqual([
      { id: WORK_MAX_UNANSWERED + 1, error: { code: status.RESOURCE_EXHAUSTED, details: expect.any(String) } },
    ]);
    // Once one is answered, there is room again.
    claims.held[0]?.answer(null, { granted: false });
    call.emit('data', { id: 1000, call: 'claimJob', claimJob: {} });
    expect(claims.held).toHaveLength(WORK_MAX_UNANSWERED + 1);
  });

  it('ends after the agent half-closes, once every request is answered', () => {
    const { call, finishes } = open();
    call.emit('data', { id: 1, call: 'finishJob', finishJob: {} });
    call.emit('end');
    expect(call.ended).toBe(false);
    finishes.held[0]?.answer(null, {});
    expect(call.written).toEqual([{ id: 1, finishJob: {} }]);
    expect(call.ended).toBe(true);
  });

  it('at shutdown answers what it holds, refuses new requests, then ends', () => {
    const { call, claims, streams } = open();
    call.emit('data', { id: 1, call: 'claimJob', claimJob: {} });
    streams.endAll();
    call.emit('data', { id: 2, call: 'claimJob', claimJob: {} });
    expect(claims.held).toHaveLength(1);
    expect(call.ended).toBe(false);
    claims.held[0]?.answer(null, { granted: true });
    expect(call.written).toEqual([
      { id: 2, error: { code: status.UNAVAILABLE, details: 'the controller is shutting down' } },
      { id: 1, claimJob: { granted: true } },
    ]);
    expect(call.ended).toBe(true);
  });

  it('drops answers for a call the agent cancelled', () => {
    const { call, claims } = open();
    call.emit('data', { id: 1, call: 'claimJob', claimJob: {} });
    call.cancelled = true;
    call.emit('cancelled');
    claims.held[0]?.answer(null, { granted: true });
    expect(call.written).toEqual([]);
  });
});
