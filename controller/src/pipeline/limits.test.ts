// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ matrix.x }}` is .gantry.yml syntax, not a JS template
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_LIMITS, type PipelineLimits } from './limits.js';
import type { JobDefinition } from './model.js';
import { formatPipelineProblems, parsePipeline } from './parse.js';

const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;
/** One stage "s" whose jobs start on line 5. */
const jobs = (...lines: string[]): string => yaml('name: p', 'stages:', '  - name: s', '    jobs:', ...lines);
const values = (count: number): string => Array.from({ length: count }, (_, index) => `v${index}`).join(', ');
const limitsWith = (limits: Partial<PipelineLimits>): PipelineLimits => ({ ...DEFAULT_PIPELINE_LIMITS, ...limits });

function messagesOf(text: string, limits: Partial<PipelineLimits>): string {
  const result = parsePipeline(text, limitsWith(limits));
  if (result.ok) throw new Error('expected problems, the pipeline parsed');
  return formatPipelineProblems(result.problems);
}

/** The UTF-8 bytes of every string of a job, counted the way the limit is documented. */
function jobBytes(job: JobDefinition): number {
  const texts = [
    job.name,
    job.queue,
    ...job.steps,
    ...Object.entries(job.env).flat(),
    ...job.artifacts,
    ...job.needsArtifacts,
    ...Object.entries(job.matrix ?? {}).flat(),
  ];
  return texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
}

describe('parsePipeline: limits', () => {
  it.each<[string, string, Partial<PipelineLimits>, string]>([
    [
      'a file over the size limit',
      jobs('      - { name: a, steps: [make] }'),
      { maxPipelineBytes: 40 },
      '.gantry.yml: the file is 73 bytes, over the limit of 40 bytes (GANTRY_MAX_PIPELINE_BYTES)',
    ],
    [
      'a stage over the job limit after matrix expansion',
      jobs(
        '      - { name: a, steps: [make] }',
        `      - { name: b, matrix: { n: [${values(3)}], os: [linux, mac] }, steps: [make] }`,
      ),
      { maxJobsPerStage: 6 },
      '.gantry.yml:5:7: stages[0].jobs: 7 jobs in stage "s" (after matrix expansion), over the limit of 6 (GANTRY_MAX_JOBS_PER_STAGE)',
    ],
    [
      'a pipeline over the job limit, counted across stages',
      yaml(
        'name: p',
        'stages:',
        '  - { name: one, jobs: [{ name: a, steps: [make], matrix: { n: [1, 2, 3] } }] }',
        '  - { name: two, jobs: [{ name: a, steps: [make], matrix: { n: [1, 2, 3] } }] }',
      ),
      { maxJobsPerRun: 5 },
      '.gantry.yml:3:3: stages: 6 jobs in the pipeline (after matrix expansion), over the limit of 5 (GANTRY_MAX_JOBS_PER_RUN)',
    ],
    [
      'a job with too many steps',
      jobs('      - name: a', '        steps: [one, two, three]'),
      { maxStepsPerJob: 2 },
      '.gantry.yml:6:16: stages[0].jobs[0].steps: 3 steps, over the limit of 2 (GANTRY_MAX_STEPS_PER_JOB)',
    ],
    [
      'a step over the byte limit',
      jobs('      - name: a', '        steps:', '          - make', `          - echo ${'x'.repeat(2000)}`),
      { maxStepBytes: 1024 },
      '.gantry.yml:8:13: stages[0].jobs[0].steps[1]: step is 2 KiB, over the limit of 1 KiB (GANTRY_MAX_STEP_BYTES)',
    ],
    [
      'a { run, timeout } step over the byte limit',
      jobs('      - name: a', '        steps:', `          - { run: "echo ${'é'.repeat(10)}", timeout: 1m }`),
      { maxStepBytes: 20 },
      '.gantry.yml:7:20: stages[0].jobs[0].steps[0].run: step is 25 bytes, over the limit of 20 bytes (GANTRY_MAX_STEP_BYTES)',
    ],
    [
      'a job whose env makes it too big',
      jobs(
        '      - name: a',
        '        env: { BIG: "0123456789012345678901234567890123456789" }',
        '        steps: [make]',
      ),
      { maxJobSpecBytes: 40 },
      '.gantry.yml:5:9: stages[0].jobs[0]: job "a" is 55 bytes of steps, env and names, over the limit of 40 bytes (GANTRY_MAX_JOB_SPEC_BYTES)',
    ],
    [
      'a matrix job whose largest cell is too big',
      jobs(
        '      - name: a',
        '        matrix: { n: [short, a-much-longer-value] }',
        '        steps: ["echo ${{ matrix.n }} ${{ matrix.n }}"]',
      ),
      { maxJobSpecBytes: 100 },
      '.gantry.yml:5:9: stages[0].jobs[0]: job "a" (its largest matrix cell) is 123 bytes of steps, env and names, over the limit of 100 bytes (GANTRY_MAX_JOB_SPEC_BYTES)',
    ],
    [
      'a plan whose jobs together are too big',
      jobs(`      - { name: a, matrix: { n: [${values(200)}] }, steps: ["${'x'.repeat(1000)}"] }`),
      { maxPlanBytes: 100_000 },
      '.gantry.yml:3:3: stages: the expanded jobs hold 201.6 KiB of steps, env and names together, over the limit of 97.7 KiB for one run',
    ],
    [
      'a matrix variable with more values than any matrix may have cells',
      jobs(`      - { name: a, matrix: { n: [${values(300)}] }, steps: [make] }`),
      {},
      '.gantry.yml:5:33: stages[0].jobs[0].matrix.n: matrix variable "n" has 300 values; at most 256 are allowed',
    ],
    [
      'a matrix that would expand to millions, refused before expanding',
      jobs(
        `      - name: a`,
        `        matrix: { ${Array.from({ length: 24 }, (_, index) => `v${index}: [a, b]`).join(', ')} }`,
        '        steps: [make]',
      ),
      {},
      '.gantry.yml:6:17: stages[0].jobs[0].matrix: matrix expands to 16777216 jobs; at most 256 are allowed',
    ],
    [
      'an on.push list with more globs than allowed',
      yaml(
        'name: p',
        `on: { push: { paths: [${values(101)}] } }`,
        'stages: [{ name: s, jobs: [{ name: a, steps: [make] }] }]',
      ),
      {},
      '.gantry.yml:2:22: on.push.paths: paths lists 101 globs; at most 100 are allowed',
    ],
    [
      'an on.push glob longer than allowed',
      yaml(
        'name: p',
        'on:',
        '  push:',
        `    branches: [main, "${'*a'.repeat(128)}*b"]`,
        'stages: [{ name: s, jobs: [{ name: a, steps: [make] }] }]',
      ),
      {},
      '.gantry.yml:4:22: on.push.branches[1]: branches glob is 258 characters long; at most 256 are allowed',
    ],
    [
      'a stage if: glob, written alone, longer than allowed',
      yaml(
        'name: p',
        'stages:',
        '  - name: s',
        `    if: { tag: ${'v'.repeat(300)} }`,
        '    jobs: [{ name: a, steps: [make] }]',
      ),
      {},
      '.gantry.yml:4:16: stages[0].if.tag: tag glob is 300 characters long; at most 256 are allowed',
    ],
  ])('reports %s', (_name, text, limits, expected) => {
    expect(messagesOf(text, limits)).toBe(expected);
  });

  it.each<[string, string, Partial<PipelineLimits>]>([
    ['a file exactly at the size limit', jobs('      - { name: a, steps: [make] }'), { maxPipelineBytes: 73 }],
    [
      'a stage exactly at the job limit',
      jobs(`      - { name: b, matrix: { n: [${values(3)}], os: [linux, mac] }, steps: [make] }`),
      { maxJobsPerStage: 6, maxJobsPerRun: 6 },
    ],
    ['a job exactly at the step limit', jobs('      - { name: a, steps: [one, two] }'), { maxStepsPerJob: 2 }],
    [
      'a step exactly at the byte limit',
      jobs(`      - { name: a, steps: ["${'é'.repeat(8)}"] }`),
      { maxStepBytes: 16 },
    ],
    [
      'globs exactly at the count and length limits',
      yaml(
        'name: p',
        `on: { push: { branches: [${Array.from({ length: 100 }, (_, index) => `"${'*'.repeat(253)}${String(index).padStart(3, '0')}"`).join(', ')}] } }`,
        'stages: [{ name: s, if: { branch: [main] }, jobs: [{ name: a, steps: [make] }] }]',
      ),
      {},
    ],
  ])('accepts %s', (_name, text, limits) => {
    const result = parsePipeline(text, limitsWith(limits));
    expect(result.ok ? '' : formatPipelineProblems(result.problems)).toBe('');
  });

  it('measures a job exactly as the expanded job it becomes, for every matrix cell', () => {
    const text = yaml(
      'name: p',
      'env: { GLOBAL: ünïcode, NODE_ENV: test }',
      'stages:',
      '  - name: build',
      '    jobs: [{ name: compile, steps: [make], artifacts: [dist/**] }]',
      '  - name: test',
      '    jobs:',
      '      - name: api',
      '        queue: linux',
      '        matrix: { node: ["20", "22.1.0"], os: [linux, a-long-os-name] }',
      '        env: { TARGET: "${{ matrix.os }}-${{matrix.node}}", NODE_ENV: ci }',
      '        steps: ["./api.sh ${{ matrix.node }} ${{ matrix.os }}", { run: "echo ${{ matrix.node }}", timeout: 1m }]',
      '        needs_artifacts: [compile]',
    );
    const parsed = parsePipeline(text);
    if (!parsed.ok) throw new Error(formatPipelineProblems(parsed.problems));
    const expanded = parsed.pipeline.stages.flatMap((stage) => stage.jobs);
    const largest = Math.max(...expanded.map(jobBytes));
    const total = expanded.reduce((sum, job) => sum + jobBytes(job), 0);

    expect(parsePipeline(text, limitsWith({ maxJobSpecBytes: largest, maxPlanBytes: total })).ok).toBe(true);
    expect(messagesOf(text, { maxJobSpecBytes: largest - 1 })).toContain(
      `job "api" (its largest matrix cell) is ${largest} bytes`,
    );
    expect(messagesOf(text, { maxPlanBytes: total - 1 })).toContain(`hold ${total} bytes`);
  });
});
