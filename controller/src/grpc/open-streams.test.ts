/** OpenStreams keeps the calls shutdown must end, and only those still open. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { OpenStreams } from './open-streams.js';

/** A call that records whether shutdown ended it. */
class FakeCall extends EventEmitter {
  cancelled = false;
  destroyed = false;
  ended = false;
}

function add(streams: OpenStreams, call: FakeCall): void {
  streams.add(call, () => {
    call.ended = true;
  });
}

describe('OpenStreams', () => {
  it('ends the calls still open, and forgets those closed or cancelled', () => {
    const streams = new OpenStreams();
    const [open, closed, cancelled] = [new FakeCall(), new FakeCall(), new FakeCall()];
    for (const call of [open, closed, cancelled]) add(streams, call);
    closed.emit('close');
    cancelled.emit('cancelled');
    streams.endAll();
    expect([open.ended, closed.ended, cancelled.ended]).toEqual([true, false, false]);
  });

  it('does not keep a call that was cancelled or ended before it was added (its close already fired)', () => {
    const streams = new OpenStreams();
    const cancelled = Object.assign(new FakeCall(), { cancelled: true, destroyed: true });
    const ended = Object.assign(new FakeCall(), { destroyed: true });
    add(streams, cancelled);
    add(streams, ended);
    streams.endAll();
    expect([cancelled.ended, ended.ended]).toEqual([false, false]);
  });
});
