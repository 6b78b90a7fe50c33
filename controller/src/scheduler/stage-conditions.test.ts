import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../pipeline/index.js';
import { withStageConditions } from './stage-conditions.js';

const parsed = parsePipeline(`name: p
stages:
  - { name: build, jobs: [{ name: j, steps: [make] }] }
  - { name: production, if: { branch: main }, jobs: [{ name: j, steps: [make] }] }
  - { name: publish, if: { tag: "v*", branch: "release/*" }, jobs: [{ name: j, steps: [make] }] }
`);
if (!parsed.ok) throw new Error('fixture does not parse');

describe("a stage's if: at planning", () => {
  it.each([
    ['main', 'refs/heads/main', [undefined, undefined, 'if: branch release/* or tag v*; this run is on branch main']],
    ['v1', 'refs/tags/v1', [undefined, 'if: branch main; this run is on tag v1', undefined]],
    [
      'feature',
      null,
      [
        undefined,
        'if: branch main; this run is on branch feature',
        'if: branch release/* or tag v*; this run is on branch feature',
      ],
    ],
  ])('ref %s (%s) skips the stages whose if does not hold, with the reason', (ref, fullRef, reasons) => {
    const planned = withStageConditions(parsed.pipeline, { ref, fullRef });
    expect(planned.stages.map((stage) => stage.skipReason)).toEqual(reasons);
  });
});
