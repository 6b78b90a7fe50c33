import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_LIMITS } from './limits.js';
import { parsePipeline } from './parse.js';
import { PipelineParseCache } from './parse-cache.js';

const file = (name: string) => `name: ${name}\nstages:\n  - name: build\n    jobs: [{ name: make, steps: [make] }]\n`;

describe('PipelineParseCache', () => {
  it('parses a text once and answers the same frozen result after', () => {
    const cache = new PipelineParseCache(DEFAULT_PIPELINE_LIMITS);
    const first = cache.parse(file('a'));
    expect(first).toEqual(parsePipeline(file('a')));
    expect(cache.parse(file('a'))).toBe(first);
    if (!first.ok) throw new Error('expected a valid pipeline');
    const job = first.pipeline.stages[0]?.jobs[0];
    expect(Object.isFrozen(job?.steps)).toBe(true);
    expect(() => {
      (first.pipeline as { name: string }).name = 'changed';
    }).toThrow(TypeError);
  });

  it('keeps an invalid file’s problems too', () => {
    const cache = new PipelineParseCache(DEFAULT_PIPELINE_LIMITS);
    const bad = cache.parse('stages: 3\n');
    expect(bad.ok).toBe(false);
    expect(cache.parse('stages: 3\n')).toBe(bad);
  });

  it('drops the least recently used past its bounds', () => {
    const cache = new PipelineParseCache(DEFAULT_PIPELINE_LIMITS, { maxEntries: 2, maxTextBytes: 1024 });
    const a = cache.parse(file('a'));
    cache.parse(file('b'));
    cache.parse(file('a')); // a is now the most recent
    cache.parse(file('c')); // b goes
    expect(cache.size).toBe(2);
    expect(cache.parse(file('a'))).toBe(a);
    const bytes = new PipelineParseCache(DEFAULT_PIPELINE_LIMITS, {
      maxEntries: 10,
      maxTextBytes: file('a').length * 2,
    });
    bytes.parse(file('a'));
    bytes.parse(file('b'));
    bytes.parse(file('c'));
    expect(bytes.size).toBe(2);
    // A text larger than the whole budget is parsed, not kept.
    const huge = new PipelineParseCache(DEFAULT_PIPELINE_LIMITS, { maxEntries: 10, maxTextBytes: 10 });
    expect(huge.parse(file('a')).ok).toBe(true);
    expect(huge.size).toBe(0);
  });
});
