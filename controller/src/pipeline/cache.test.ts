import { describe, expect, it } from 'vitest';
import { parsePipeline } from './parse.js';

const jobs = (jobCache = '') =>
  `stages:\n  - name: test\n    jobs:\n      - name: unit\n        steps: [npm ci]\n${jobCache}      - name: lint\n        steps: [npm run lint]\n`;

function parsed(text: string) {
  const result = parsePipeline(text);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.pipeline.stages[0]!.jobs;
}

function problemsOf(text: string): string[] {
  const result = parsePipeline(text);
  return result.ok ? [] : result.problems.map((problem) => `${problem.line}:${problem.column} ${problem.message}`);
}

describe('cache:', () => {
  it('is inherited from the pipeline by every job without its own, with its defaults', () => {
    const [unit, lint] = parsed(
      `name: app\ncache: { key: { files: [package-lock.json], prefix: node-22 }, paths: [node_modules, ~/.npm] }\n${jobs()}`,
    );
    const expected = {
      key: { files: ['package-lock.json'], prefix: 'node-22' },
      paths: ['node_modules', '~/.npm'],
      policy: 'pull-push',
      when: 'on_success',
      fallbackKeys: [],
    };
    expect(unit!.caches).toEqual([expected]);
    expect(lint!.caches).toEqual([expected]);
  });

  it("lets a job replace the pipeline's cache with a list of its own", () => {
    const own =
      '        cache:\n          - { key: { prefix: a }, paths: [build], policy: pull, when: always }\n          - { paths: [~/.cache/pip], policy: push, fallback_keys: [pip-] }\n';
    const [unit, lint] = parsed(`name: app\ncache: { paths: [node_modules] }\n${jobs(own)}`);
    expect(unit!.caches).toEqual([
      { key: { files: [], prefix: 'a' }, paths: ['build'], policy: 'pull', when: 'always', fallbackKeys: [] },
      {
        key: { files: [], prefix: null },
        paths: ['~/.cache/pip'],
        policy: 'push',
        when: 'on_success',
        fallbackKeys: ['pip-'],
      },
    ]);
    expect(lint!.caches[0]!.paths).toEqual(['node_modules']);
  });

  it('is empty when nothing declares one', () => {
    expect(parsed(`name: app\n${jobs()}`)[0]!.caches).toEqual([]);
  });

  it.each([
    [
      'cache: { paths: [/etc] }',
      '2:18 cache path "/etc" must be relative to the workspace; use a path in the workspace or "~/…"',
    ],
    [
      'cache: { paths: [../up] }',
      '2:18 cache path "../up" must not contain ".."; use a path in the workspace or "~/…"',
    ],
    [
      'cache: { paths: ["~"] }',
      '2:18 cache path "~" would keep the whole home directory; use a path in the workspace or "~/…"',
    ],
    [
      'cache: { paths: [node_modules], policy: pul }',
      '2:41 policy must be one of "pull-push", "pull", "push" (got "pul")',
    ],
    ['cache: { paths: [a], when: never }', '2:28 when must be one of "on_success", "always" (got "never")'],
    [
      'cache: { key: { prefix: "a b" }, paths: [a] }',
      '2:25 key prefix "a b" may only hold letters, digits, ".", "_" and "-" (at most 100)',
    ],
    ['cache: { key: { file: [x] }, paths: [a] }', '2:17 unknown key "file" (did you mean "files"?)'],
    ['cache: { key: { files: [/x] }, paths: [a] }', '2:25 key file "/x" must be relative to the workspace'],
    ['cache: { key: { prefix: a } }', '2:8 required key "paths" is missing'],
    ['cache: []', '2:8 cache must be a cache mapping or a non-empty list of them'],
  ])('%s is refused with its line and column', (line, problem) => {
    expect(problemsOf(`name: app\n${line}\n${jobs()}`)).toEqual([problem]);
  });
});
