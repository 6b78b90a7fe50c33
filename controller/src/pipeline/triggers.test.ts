import { describe, expect, it } from 'vitest';
import { matchesGlob } from './glob.js';
import { parsePipeline } from './parse.js';

const job = '    jobs: [{ name: j, steps: [make] }]';

function parse(...lines: string[]) {
  return parsePipeline(`${lines.join('\n')}\n`);
}

describe('on: and if:', () => {
  it('reads on.push and a stage if', () => {
    const result = parse(
      'name: p',
      'on: { push: { branches: [main, "release/*"], tags: ["v*"], paths: ["src/**"] } }',
      'stages:',
      '  - name: production',
      '    if: { branch: main }',
      job,
      '  - name: publish',
      '    if: { tag: ["v*"], branch: [main] }',
      job,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.pipeline.on).toEqual({ branches: ['main', 'release/*'], tags: ['v*'], paths: ['src/**'] });
    expect(result.pipeline.stages.map((stage) => stage.condition)).toEqual([
      { branches: ['main'], tags: null },
      { branches: ['main'], tags: ['v*'] },
    ]);
  });

  it('reads a bare on.push as no filter, and no on: as null', () => {
    const bare = parse('name: p', 'on: { push: }', 'stages:', '  - name: s', job);
    expect(bare.ok && bare.pipeline.on).toEqual({ branches: null, tags: null, paths: null });
    const none = parse('name: p', 'stages:', '  - name: s', job);
    expect(none.ok && none.pipeline.on).toBeNull();
  });

  it.each([
    [['on: { push: { branch: [main] } }'], 1, 'on.push.branch: unknown key "branch" (did you mean "branches"?)'],
    [['on: { pull_request: {} }'], 1, 'on.pull_request: unknown key "pull_request"; expected one of: push'],
    [['on: { push: { branches: main } }'], 1, 'must be a list, not a single string; write branches: ["main"]'],
    [['on: { push: { tags: [] } }'], 1, 'tags must list at least one name; leave the key out to match any'],
    [
      ['stages:', '  - name: s', '    if: { branches: main }', job],
      3,
      'unknown key "branches" (did you mean "branch"?)',
    ],
    [['stages:', '  - name: s', '    if: main', job], 3, 'if must be a mapping (got the string "main")'],
    [
      ['stages:', '  - name: s', '    if: { branch: 3 }', job],
      3,
      'branch must be a name or a list of names (got number 3)',
    ],
  ])('reports %j on line %i', (lines, line, message) => {
    const text = lines[0]?.startsWith('stages:')
      ? ['name: p', ...lines]
      : ['name: p', ...lines, 'stages:', '  - name: s', job];
    const result = parse(...text);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toContain(message);
    expect(problems[0]?.line).toBe(lines[0]?.startsWith('stages:') ? line + 1 : line + 1);
  });

  it.each([
    ['main', 'main', true],
    ['main', 'maint', false],
    ['release/*', 'release/1.2', true],
    ['release/*', 'release/1/hotfix', false],
    ['release/**', 'release/1/hotfix', true],
    ['v*', 'v1.2.3', true],
    ['src/**', 'src/a/b.ts', true],
    ['src/**', 'docs/a.md', false],
    ['**/*.md', 'README.md', true],
    ['**/*.md', 'docs/guide/intro.md', true],
    ['v?.0', 'v1.0', true],
    ['a.b', 'aXb', false],
  ])('glob %s matches %s: %s', (pattern, name, expected) => {
    expect(matchesGlob(pattern, name)).toBe(expected);
  });
});
