import { describe, expect, it } from 'vitest';
import { CoalescedReads } from './coalesced-reads.js';

/** A clock the test moves, and a load that counts its calls. */
function setup(options: { maxKeys?: number } = {}) {
  let now = 1_000;
  const reads = new CoalescedReads<string>({ maxAgeMs: 250, now: () => now, ...options });
  const loads: string[] = [];
  const load = (key: string, answer = `${key}#${loads.length + 1}`) => {
    loads.push(key);
    return Promise.resolve(answer);
  };
  return { reads, loads, load, advance: (ms: number) => (now += ms) };
}

describe('CoalescedReads', () => {
  it('answers reads of one key within maxAgeMs with the first one, and reads again after', async () => {
    const { reads, loads, load, advance } = setup();
    expect(await reads.read('run-1', () => load('run-1'))).toBe('run-1#1');
    advance(249);
    expect(await reads.read('run-1', () => load('run-1'))).toBe('run-1#1');
    expect(loads).toEqual(['run-1']);
    advance(1);
    expect(await reads.read('run-1', () => load('run-1'))).toBe('run-1#2');
    expect(loads).toEqual(['run-1', 'run-1']);
  });

  it('shares a read still under way', async () => {
    const { reads } = setup();
    let finish: (value: string) => void = () => {};
    let calls = 0;
    const slow = () => {
      calls++;
      return new Promise<string>((resolve) => {
        finish = resolve;
      });
    };
    const first = reads.read('run-1', slow);
    const second = reads.read('run-1', slow);
    finish('state');
    expect(await Promise.all([first, second])).toEqual(['state', 'state']);
    expect(calls).toBe(1);
  });

  it('keeps keys apart', async () => {
    const { reads, loads, load } = setup();
    await reads.read('run-1', () => load('run-1'));
    await reads.read('run-2', () => load('run-2'));
    expect(loads).toEqual(['run-1', 'run-2']);
  });

  it('does not keep a failed read', async () => {
    const { reads, load } = setup();
    await expect(reads.read('run-1', () => Promise.reject(new Error('database away')))).rejects.toThrow('away');
    expect(await reads.read('run-1', () => load('run-1', 'state'))).toBe('state');
  });

  it('keeps at most maxKeys keys, and drops answers past maxAgeMs oldest first', async () => {
    const { reads, loads, load, advance } = setup({ maxKeys: 2 });
    await reads.read('a', () => load('a'));
    await reads.read('b', () => load('b'));
    // No room and nothing expired: read, not kept.
    await reads.read('c', () => load('c'));
    await reads.read('c', () => load('c'));
    expect(reads.size).toBe(2);
    expect(loads).toEqual(['a', 'b', 'c', 'c']);
    advance(250);
    // 'a' and 'b' expired: dropped when 'c' is read, which is kept now.
    await reads.read('c', () => load('c'));
    await reads.read('c', () => load('c'));
    expect(reads.size).toBe(1);
    advance(100);
    await reads.read('d', () => load('d'));
    advance(150);
    // 'c' expired, 'd' (150 ms old) still answers.
    await reads.read('e', () => load('e'));
    await reads.read('d', () => load('d'));
    expect(loads).toEqual(['a', 'b', 'c', 'c', 'c', 'd', 'e']);
    expect(reads.size).toBe(2);
  });
});
