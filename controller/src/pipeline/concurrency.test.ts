import { describe, expect, it } from 'vitest';
import { MAX_CONCURRENCY_GROUP_LENGTH } from './concurrency.js';
import { formatPipelineProblems, parsePipeline } from './parse.js';

/** One stage "deploy" whose extra keys start on line 4. */
const stage = (...lines: string[]): string =>
  `${['name: p', 'stages:', '  - name: deploy', ...lines, '    jobs: [{ name: ship, steps: [make] }]'].join('\n')}\n`;

function stageOf(text: string) {
  const result = parsePipeline(text);
  if (!result.ok) throw new Error(formatPipelineProblems(result.problems));
  const [stage] = result.pipeline.stages;
  if (!stage) throw new Error('no stage');
  return stage;
}

describe('parsePipeline: concurrency and supersede', () => {
  it('reads a concurrency group and a supersede on a gated stage', () => {
    expect(stageOf(stage('    concurrency: production', '    approval: true', '    supersede: true'))).toMatchObject({
      concurrency: 'production',
      supersede: true,
    });
  });

  it('defaults to no group and no supersede', () => {
    expect(stageOf(stage())).toMatchObject({ concurrency: null, supersede: false });
    expect(stageOf(stage('    approval: true', '    supersede: false'))).toMatchObject({ supersede: false });
  });

  it.each(['prod', 'eu-west.deploy_1', 'x'.repeat(MAX_CONCURRENCY_GROUP_LENGTH)])(
    'accepts the group name %s',
    (name) => {
      expect(stageOf(stage(`    concurrency: ${name}`)).concurrency).toBe(name);
    },
  );

  // biome-ignore format: one case a line reads as a table
  it.each<[string, string[], number, number, string, string]>([
    ['group as a number', ['    concurrency: 5'], 4, 18, 'stages[0].concurrency', 'concurrency must be a group name (got number 5)'],
    ['group as a list', ['    concurrency: [a, b]'], 4, 18, 'stages[0].concurrency', 'concurrency must be a group name (got a list)'],
    ['empty group', ['    concurrency: ""'], 4, 18, 'stages[0].concurrency', 'concurrency group "" must start with a letter or digit'],
    ['group with a space', ['    concurrency: "prod eu"'], 4, 18, 'stages[0].concurrency', 'concurrency group "prod eu" must start with a letter or digit and hold only letters, digits, ".", "_" and "-"'],
    ['group starting with a dash', ['    concurrency: "-prod"'], 4, 18, 'stages[0].concurrency', 'must start with a letter or digit'],
    ['group too long', [`    concurrency: ${'g'.repeat(MAX_CONCURRENCY_GROUP_LENGTH + 1)}`], 4, 18, 'stages[0].concurrency', `concurrency group name is ${MAX_CONCURRENCY_GROUP_LENGTH + 1} characters long, over the limit of ${MAX_CONCURRENCY_GROUP_LENGTH}`],
    ['supersede without a gate', ['    supersede: true'], 4, 16, 'stages[0].supersede', 'supersede: true needs an approval gate on the stage (add approval: …)'],
    ['supersede with approval: false', ['    approval: false', '    supersede: true'], 5, 16, 'stages[0].supersede', 'needs an approval gate'],
    ['supersede as a string', ['    approval: true', '    supersede: "yes"'], 5, 16, 'stages[0].supersede', 'must be true or false (got the string "yes")'],
    ['misspelt supersede', ['    approval: true', '    supercede: true'], 5, 5, 'stages[0].supercede', 'unknown key "supercede" (did you mean "supersede"?)'],
  ])('%s', (_name, lines, line, column, path, fragment) => {
    const result = parsePipeline(stage(...lines));
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual([{ line, column, path, message: expect.stringContaining(fragment) }]);
  });
});
