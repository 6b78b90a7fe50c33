import { describe, expect, it } from 'vitest';
import { ControllerTargets } from './controller-targets.js';

describe('ControllerTargets', () => {
  it('moves to the next address once per failure of the current one, round robin', () => {
    const switches: string[] = [];
    const targets = new ControllerTargets(['a:1', 'b:2', 'c:3'], (from, to) => switches.push(`${from}→${to}`));
    targets.unreachable(0, 'UNAVAILABLE');
    // A second call that was in flight to the dead replica fails too: it must not skip the live one.
    targets.unreachable(0, 'UNAVAILABLE');
    expect(targets.current).toBe(1);
    targets.unreachable(1, 'DEADLINE_EXCEEDED');
    targets.unreachable(2, 'UNAVAILABLE');
    expect(targets.current).toBe(0);
    expect(switches).toEqual(['a:1→b:2', 'b:2→c:3', 'c:3→a:1']);
  });

  it('stays on a lone address', () => {
    const targets = new ControllerTargets(['a:1']);
    targets.unreachable(0, 'UNAVAILABLE');
    expect(targets.current).toBe(0);
  });
});
