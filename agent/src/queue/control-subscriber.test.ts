import { describe, expect, it } from 'vitest';
import { parseControlMessage } from './control-subscriber.js';

const bytes = (body: unknown) => new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));

describe('parseControlMessage', () => {
  it.each([
    [{ type: 'drain' }, { type: 'drain' }],
    [
      { type: 'cancel', jobId: 'j1', attempt: 3 },
      { type: 'cancel', jobId: 'j1', attempt: 3 },
    ],
  ])('reads %j', (body, message) => {
    expect(parseControlMessage(bytes(body))).toEqual(message);
  });

  it.each([
    ['nope', /JSON/],
    [{ type: 'reboot' }, /type "reboot"/],
    [{ type: 'cancel', attempt: 1 }, /jobId/],
    [{ type: 'cancel', jobId: 'j1', attempt: 0 }, /attempt 0/],
  ])('refuses %j', (body, error) => {
    expect(() => parseControlMessage(bytes(body))).toThrow(error);
  });
});
