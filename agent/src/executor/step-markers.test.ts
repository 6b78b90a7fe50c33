import { describe, expect, it } from 'vitest';
import { type StepEnd, StepMarkerParser } from './step-markers.js';

const marker = '\x1egantry-step-end:0123456789abcdef:';

/** Feeds `pieces` and returns the events, output pieces joined between step ends. */
function parse(pieces: Array<string | Buffer>) {
  const events: Array<string | StepEnd> = [];
  let output = '';
  const parser = new StepMarkerParser(marker, {
    output: (data) => {
      output += data.toString('latin1');
    },
    stepEnd: (end) => {
      if (output) events.push(output);
      output = '';
      events.push(end);
    },
  });
  // As the agent reads pipes: every piece in one reused buffer, overwritten once pushed.
  const shared = Buffer.alloc(4096);
  for (const piece of pieces) {
    const length = shared.write(piece.toString('latin1'), 'latin1');
    parser.push(shared.subarray(0, length));
    shared.fill('#');
  }
  const heldAtEnd = parser.heldBytes;
  parser.flush();
  if (output) events.push(output);
  return { events, heldAtEnd };
}

describe('StepMarkerParser', () => {
  it('splits output and step ends, also after output without a final newline', () => {
    expect(parse([`one\n${marker}0 101 0\ntwo${marker}3 102 1\n`]).events).toEqual([
      'one\n',
      { exitCode: 0, pgid: 101, leftovers: false },
      'two',
      { exitCode: 3, pgid: 102, leftovers: true },
    ]);
  });

  it('finds a marker split at any point between buffers', () => {
    const stream = `abc${marker}137 4242 0\nafter`;
    for (let cut = 1; cut < stream.length; cut++) {
      expect(parse([stream.slice(0, cut), stream.slice(cut)]).events).toEqual([
        'abc',
        { exitCode: 137, pgid: 4242, leftovers: false },
        'after',
      ]);
    }
    // One byte at a time.
    expect(parse([...stream]).events).toEqual(['abc', { exitCode: 137, pgid: 4242, leftovers: false }, 'after']);
  });

  it('holds back only what could be the start of a marker', () => {
    expect(parse([`text${marker.slice(0, 5)}`]).heldAtEnd).toBe(5);
    expect(parse(['text\x1e']).heldAtEnd).toBe(1);
    expect(parse(['text\x1ex']).heldAtEnd).toBe(0);
    // Held bytes that turn out not to be a marker are output, in order.
    expect(parse(['a\x1egantry', '-other\n']).events).toEqual(['a\x1egantry-other\n']);
    expect(parse([`a${marker.slice(0, 9)}`]).events).toEqual([`a${marker.slice(0, 9)}`]);
  });

  it('passes output on as views of the incoming buffers', () => {
    const input = Buffer.from(`0123456789${marker}0 7 0\n`);
    const seen: Buffer[] = [];
    new StepMarkerParser(marker, { output: (data) => seen.push(data), stepEnd: () => {} }).push(input);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.buffer).toBe(input.buffer);
  });

  it('treats something marker-like that is not well formed as output', () => {
    expect(parse([`x${marker}oops\ny`]).events).toEqual([`x${marker}oops\ny`]);
  });
});
