// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ matrix.x }}` is .gantry.yml syntax, not a JS template
import { describe, expect, it } from 'vitest';
import type { PipelineDefinition, PipelineProblem } from './model.js';
import { formatPipelineProblems, PipelineError, parsePipeline } from './parse.js';

const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;
/** One stage "s" whose jobs start on line 5. */
const jobs = (...lines: string[]): string => yaml('name: p', 'stages:', '  - name: s', '    jobs:', ...lines);

function problemsOf(text: string): PipelineProblem[] {
  const result = parsePipeline(text);
  if (result.ok) throw new Error('expected problems, the pipeline parsed');
  return result.problems;
}

function pipelineOf(text: string): PipelineDefinition {
  const result = parsePipeline(text);
  if (!result.ok) throw new Error(formatPipelineProblems(result.problems));
  return result.pipeline;
}

const README_EXAMPLE = yaml(
  'name: webapp',
  'env: { NODE_ENV: test }',
  'stages:',
  '  - name: build',
  '    jobs:',
  '      - name: compile',
  '        queue: linux            # default: "default"',
  '        steps: [npm ci, npm run build]',
  '        artifacts: [dist/**]',
  '        timeout: 10m',
  '  - name: test                  # jobs in one stage run in parallel',
  '    jobs:',
  '      - { name: unit, steps: [npm test] }',
  '      - { name: integration, steps: [./ci/integration.sh], retry: { lost: 2, failed: 1 } }',
  '      - name: api',
  '        matrix: { node: ["20", "22"] }',
  '        steps: ["./ci/api.sh ${{ matrix.node }}"]',
  '  - name: staging',
  '    environment: staging',
  '    jobs:',
  '      - { name: deploy, steps: ["./deploy.sh staging dist/"], needs_artifacts: [compile] }',
  '  - name: production',
  '    environment: production',
  '    approval:                   # omit (or `approval: false`) for continuous deployment',
  '      approvers: [role:release] # token names or role:NAME',
  '      required: 1               # how many distinct approvers',
  '      allow_self_approval: false',
  '      timeout: 72h              # then the stage is rejected',
  '    concurrency: production     # at most one running stage in this group, oldest first',
  '    jobs:',
  '      - { name: deploy, steps: ["./deploy.sh production dist/"], needs_artifacts: [compile] }',
);

const env = { NODE_ENV: 'test' };
const retry = { lost: 2, failed: 0 };
const plainJob = {
  queue: 'default',
  env,
  timeoutMs: null,
  retry,
  artifacts: [],
  artifactsWhen: 'on_success' as const,
  needsArtifacts: [],
  matrix: null,
  caches: [],
  reports: { junit: [] },
};

describe('parsePipeline: the example pipeline', () => {
  it('parses into stages with the matrix expanded and defaults filled in', () => {
    expect(pipelineOf(README_EXAMPLE)).toEqual({
      name: 'webapp',
      env,
      on: null,
      stages: [
        {
          name: 'build',
          environment: null,
          approval: null,
          concurrency: null,
          supersede: false,
          condition: null,
          jobs: [
            {
              ...plainJob,
              name: 'compile',
              queue: 'linux',
              steps: ['npm ci', 'npm run build'],
              stepTimeoutsMs: [null, null],
              artifacts: ['dist/**'],
              timeoutMs: 600_000,
            },
          ],
        },
        {
          name: 'test',
          environment: null,
          approval: null,
          concurrency: null,
          supersede: false,
          condition: null,
          jobs: [
            { ...plainJob, name: 'unit', steps: ['npm test'], stepTimeoutsMs: [null] },
            {
              ...plainJob,
              name: 'integration',
              steps: ['./ci/integration.sh'],
              stepTimeoutsMs: [null],
              retry: { lost: 2, failed: 1 },
            },
            {
              ...plainJob,
              name: 'api (node=20)',
              steps: ['./ci/api.sh 20'],
              stepTimeoutsMs: [null],
              env: { NODE_ENV: 'test', MATRIX_NODE: '20' },
              matrix: { node: '20' },
            },
            {
              ...plainJob,
              name: 'api (node=22)',
              steps: ['./ci/api.sh 22'],
              stepTimeoutsMs: [null],
              env: { NODE_ENV: 'test', MATRIX_NODE: '22' },
              matrix: { node: '22' },
            },
          ],
        },
        {
          name: 'staging',
          environment: 'staging',
          approval: null,
          concurrency: null,
          supersede: false,
          condition: null,
          jobs: [
            {
              ...plainJob,
              name: 'deploy',
              steps: ['./deploy.sh staging dist/'],
              stepTimeoutsMs: [null],
              needsArtifacts: ['compile'],
            },
          ],
        },
        {
          name: 'production',
          environment: 'production',
          approval: { approvers: ['role:release'], required: 1, allowSelfApproval: false, timeoutMs: 259_200_000 },
          concurrency: 'production',
          supersede: false,
          condition: null,
          jobs: [
            {
              ...plainJob,
              name: 'deploy',
              steps: ['./deploy.sh production dist/'],
              stepTimeoutsMs: [null],
              needsArtifacts: ['compile'],
            },
          ],
        },
      ],
    });
  });
});

describe('parsePipeline: semantics', () => {
  it('expands a two-variable matrix in key order and substitutes steps and env', () => {
    const pipeline = pipelineOf(
      jobs(
        '      - name: api',
        '        matrix: { node: [20, 22], os: [linux, mac] }',
        '        env: { LABEL: "n${{ matrix.node }}-${{matrix.os}}" }',
        '        steps: ["test ${{ matrix.os }} ${{ matrix.node }}"]',
      ),
    );
    const [api] = pipeline.stages[0]?.jobs ?? [];
    expect(pipeline.stages[0]?.jobs.map((job) => job.name)).toEqual([
      'api (node=20, os=linux)',
      'api (node=20, os=mac)',
      'api (node=22, os=linux)',
      'api (node=22, os=mac)',
    ]);
    expect(api?.steps).toEqual(['test linux 20']);
    expect(api?.env).toEqual({ LABEL: 'n20-linux', MATRIX_NODE: '20', MATRIX_OS: 'linux' });
    expect(api?.matrix).toEqual({ node: '20', os: 'linux' });
  });

  it('merges env as pipeline, then job, then matrix, and keeps numbers as written', () => {
    const pipeline = pipelineOf(
      yaml(
        'name: p',
        'env: { A: pipeline, B: pipeline, VERSION: 1.10, DEBUG: true, COUNT: 3 }',
        'stages:',
        '  - name: s',
        '    jobs:',
        '      - { name: j, matrix: { x: [1] }, env: { B: job, MATRIX_X: job }, steps: [make] }',
      ),
    );
    expect(pipeline.env).toEqual({ A: 'pipeline', B: 'pipeline', VERSION: '1.10', DEBUG: 'true', COUNT: '3' });
    expect(pipeline.stages[0]?.jobs[0]?.env).toEqual({
      A: 'pipeline',
      B: 'job',
      VERSION: '1.10',
      DEBUG: 'true',
      COUNT: '3',
      MATRIX_X: '1',
    });
  });

  it('merges env as pipeline, then stage, then job (later wins)', () => {
    const pipeline = pipelineOf(
      yaml(
        'name: p',
        'env: { A: pipeline, B: pipeline, C: pipeline }',
        'stages:',
        '  - name: s',
        '    env: { B: stage, C: stage }',
        '    jobs: [{ name: j, env: { C: job }, steps: [make] }]',
        '  - { name: t, jobs: [{ name: k, steps: [make] }] }',
      ),
    );
    expect(pipeline.stages[0]?.jobs[0]?.env).toEqual({ A: 'pipeline', B: 'stage', C: 'job' });
    expect(pipeline.stages[1]?.jobs[0]?.env).toEqual({ A: 'pipeline', B: 'pipeline', C: 'pipeline' });
  });

  it('reads approval: true as the default gate and false as none', () => {
    const stage = (approval: string, name: string): string[] => [
      `  - name: ${name}`,
      `    approval: ${approval}`,
      `    jobs: [{ name: ${name}, steps: [make] }]`,
    ];
    const pipeline = pipelineOf(yaml('name: p', 'stages:', ...stage('true', 'a'), ...stage('false', 'b')));
    expect(pipeline.stages.map((s) => s.approval)).toEqual([
      { approvers: [], required: 1, allowSelfApproval: false, timeoutMs: null },
      null,
    ]);
  });

  it('keeps artifacts_when: always, and on_success by default', () => {
    const pipeline = pipelineOf(
      jobs(
        '      - { name: a, steps: [make], artifacts: [out], artifacts_when: always }',
        '      - { name: b, steps: [make] }',
      ),
    );
    expect(pipeline.stages[0]?.jobs.map((job) => job.artifactsWhen)).toEqual(['always', 'on_success']);
  });

  it('reads reports.junit globs, empty by default', () => {
    const pipeline = pipelineOf(
      jobs(
        '      - { name: a, steps: [make], reports: { junit: ["reports/*.xml", "b.xml"] } }',
        '      - { name: b, steps: [make] }',
      ),
    );
    expect(pipeline.stages[0]?.jobs.map((job) => job.reports.junit)).toEqual([['reports/*.xml', 'b.xml'], []]);
  });

  it.each([
    ['{ junit: /abs/*.xml }', 'stages[0].jobs[0].reports.junit', 'must be a list'],
    [
      '{ junit: [/abs/*.xml] }',
      'stages[0].jobs[0].reports.junit[0]',
      'report path "/abs/*.xml" must be relative to the workspace',
    ],
    ['{ junit: [../up.xml] }', 'stages[0].jobs[0].reports.junit[0]', 'must not contain ".."'],
    ['{ junt: [a.xml] }', 'stages[0].jobs[0].reports.junt', 'unknown key "junt"'],
    ['[a.xml]', 'stages[0].jobs[0].reports', 'reports must be a mapping'],
  ])('reports %s is refused at its path', (value, path, message) => {
    const problems = problemsOf(jobs(`      - { name: a, steps: [make], reports: ${value} }`));
    expect(problems).toContainEqual(expect.objectContaining({ path, message: expect.stringContaining(message) }));
  });

  it('lets needs_artifacts name a matrix job by its base name, meaning every cell', () => {
    const pipeline = pipelineOf(
      yaml(
        'name: p',
        'stages:',
        '  - name: build',
        '    jobs: [{ name: bin, matrix: { os: [linux, mac] }, steps: [make], artifacts: [out/*] }]',
        '  - name: ship',
        '    jobs: [{ name: ship, steps: [ship], needs_artifacts: [bin, bin (os=mac)] }]',
      ),
    );
    expect(pipeline.stages[1]?.jobs[0]?.needsArtifacts).toEqual(['bin (os=linux)', 'bin (os=mac)']);
  });
});

describe('parsePipeline: problems point at the offending key or value', () => {
  // biome-ignore format: one case a line reads as a table
  it.each<[string, string, number, number, string, string]>([
    // name, text, line, column, path, message fragment
    ['misspelt job key', jobs('      - name: j', '        stpes: [make]', '        steps: [make]'), 6, 9, 'stages[0].jobs[0].stpes', 'unknown key "stpes" (did you mean "steps"?)'],
    ['key from another CI system', jobs('      - name: j', '        steps: [make]', '        script: [make]'), 7, 9, 'stages[0].jobs[0].script', 'unknown key "script" (did you mean "steps"?)'],
    ['steps as one string', jobs('      - name: j', '        steps: make test'), 6, 16, 'stages[0].jobs[0].steps', 'must be a list, not a single string; write steps: ["make test"]'],
    ['empty steps list', jobs('      - name: j', '        steps: []'), 6, 16, 'stages[0].jobs[0].steps', 'at least one step'],
    ['steps key with no value', jobs('      - name: j', '        steps:'), 6, 9, 'stages[0].jobs[0].steps', 'must be a list of shell lines or { run, timeout } mappings (got nothing)'],
    ['step mapping without run', jobs('      - name: j', '        steps:', '          - { timeout: 5m }'), 7, 13, 'stages[0].jobs[0].steps[0].run', 'required key "run" is missing'],
    ['step timeout not a duration', jobs('      - name: j', '        steps:', '          - { run: make, timeout: soon }'), 7, 35, 'stages[0].jobs[0].steps[0].timeout', 'duration'],
    ['unknown step key', jobs('      - name: j', '        steps:', '          - { run: make, timout: 5m }'), 7, 26, 'stages[0].jobs[0].steps[0].timout', 'did you mean "timeout"'],
    ['missing steps', jobs('      - name: j', '        queue: linux'), 5, 9, 'stages[0].jobs[0].steps', 'required key "steps" is missing'],
    ['unquoted step with ": "', jobs('      - name: j', '        steps:', '          - echo a: b'), 7, 13, 'stages[0].jobs[0].steps[0]', 'quote the line'],
    ['empty step', jobs('      - name: j', '        steps: [make, ""]'), 6, 23, 'stages[0].jobs[0].steps[1]', 'must not be empty'],
    ['missing job name', jobs('      - steps: [make]'), 5, 9, 'stages[0].jobs[0].name', 'required key "name" is missing'],
    ['control character in a job name', jobs('      - name: "j\\e]0;x"', '        steps: [make]'), 5, 15, 'stages[0].jobs[0].name', 'must not contain control characters (found U+001B)'],
    ['control character in a stage name', yaml('name: p', 'stages:', '  - name: "s\\tt"', '    jobs: [{ name: j, steps: [make] }]'), 3, 11, 'stages[0].name', 'must not contain control characters (found U+0009)'],
    ['control character in an environment', yaml('name: p', 'stages:', '  - name: s', '    environment: "prod\\u009b"', '    jobs: [{ name: j, steps: [make] }]'), 4, 18, 'stages[0].environment', 'must not contain control characters (found U+009B)'],
    ['control character in the pipeline name', yaml('name: "p\\a"', 'stages:', '  - { name: s, jobs: [{ name: j, steps: [make] }] }'), 1, 7, 'name', 'must not contain control characters (found U+0007)'],
    ['bad queue name', jobs('      - name: j', '        queue: linux/arm', '        steps: [make]'), 6, 16, 'stages[0].jobs[0].queue', 'queue "linux/arm" may only contain letters, digits, - and _'],
    ['timeout without a unit', jobs('      - name: j', '        steps: [make]', '        timeout: 600'), 7, 18, 'stages[0].jobs[0].timeout', 'duration 600 has no unit; expected an integer with a unit'],
    ['negative retry', jobs('      - name: j', '        steps: [make]', '        retry: { lost: -1 }'), 7, 24, 'stages[0].jobs[0].retry.lost', 'must be a whole number ≥ 0 (got number -1)'],
    ['misspelt retry key', jobs('      - name: j', '        steps: [make]', '        retry: { faild: 1 }'), 7, 18, 'stages[0].jobs[0].retry.faild', 'did you mean "failed"?'],
    ['absolute artifact', jobs('      - name: j', '        steps: [make]', '        artifacts: [/etc/passwd]'), 7, 21, 'stages[0].jobs[0].artifacts[0]', 'artifact path "/etc/passwd" must be relative to the workspace'],
    ['unknown artifacts_when', jobs('      - name: j', '        steps: [make]', '        artifacts: [out]', '        artifacts_when: never'), 8, 25, 'stages[0].jobs[0].artifacts_when', 'artifacts_when must be "on_success" or "always" (got "never")'],
    ['artifact leaving the workspace', jobs('      - name: j', '        steps: [make]', '        artifacts: [out/../../x]'), 7, 21, 'stages[0].jobs[0].artifacts[0]', 'must not contain ".."'],
    ['env name not a shell name', jobs('      - name: j', '        steps: [make]', '        env: { 1X: a }'), 7, 16, 'stages[0].jobs[0].env.1X', 'env name "1X" is not a valid shell variable name'],
    ['env value missing', jobs('      - name: j', '        steps: [make]', '        env:', '          A:'), 8, 11, 'stages[0].jobs[0].env.A', 'env value of "A" must be a string, number or boolean'],
    ['empty matrix list', jobs('      - name: j', '        matrix: { node: [] }', '        steps: [make]'), 6, 25, 'stages[0].jobs[0].matrix.node', 'must be a non-empty list of values (got an empty list)'],
    ['control character in a matrix value', jobs('      - name: j', '        matrix: { os: [linux, "mac\\e[2J"] }', '        steps: [make]'), 6, 31, 'stages[0].jobs[0].matrix.os[1]', 'matrix value must not contain control characters (found U+001B)'],
    ['unknown matrix variable', jobs('      - name: j', '        matrix: { node: ["20"] }', '        steps: ["nvm use ${{ matrix.nod }}"]'), 7, 17, 'stages[0].jobs[0].steps[0]', 'unknown matrix variable "nod" in "${{ matrix.nod }}" (did you mean "node"?)'],
    ['matrix variable without a matrix', jobs('      - name: j', '        steps: ["nvm use ${{ matrix.node }}"]'), 6, 17, 'stages[0].jobs[0].steps[0]', 'the job has no matrix'],
    ['unsupported expression', jobs('      - name: j', '        steps: ["echo ${{ secrets.TOKEN }}"]'), 6, 17, 'stages[0].jobs[0].steps[0]', 'unsupported expression "${{ secrets.TOKEN }}"'],
    ['duplicate job in a stage', jobs('      - { name: j, steps: [make] }', '      - { name: j, steps: [make] }'), 6, 17, 'stages[0].jobs[1].name', 'duplicate job name "j" in this stage (first used on line 5)'],
    ['matrix cell clashing with a job', jobs('      - { name: "j (n=1)", steps: [make] }', '      - { name: j, matrix: { n: [1] }, steps: [make] }'), 6, 17, 'stages[0].jobs[1].name', 'duplicate job name "j (n=1)"'],
    ['needs an unknown job', yaml('name: p', 'stages:', '  - name: build', '    jobs: [{ name: compile, steps: [make], artifacts: [dist] }]', '  - name: deploy', '    jobs:', '      - { name: deploy, steps: [ship], needs_artifacts: [compil] }'), 7, 58, 'stages[1].jobs[0].needs_artifacts[0]', 'job "deploy" needs artifacts of unknown job "compil" (did you mean "compile"?)'],
    ['needs a job of the same stage', jobs('      - { name: compile, steps: [make], artifacts: [dist] }', '      - { name: deploy, steps: [ship], needs_artifacts: [compile] }'), 6, 58, 'stages[0].jobs[1].needs_artifacts[0]', 'job "deploy" needs artifacts of job "compile", which is in the same stage "s"; it must be in an earlier stage'],
    ['needs a job of a later stage', yaml('name: p', 'stages:', '  - name: deploy', '    jobs: [{ name: deploy, steps: [ship], needs_artifacts: [compile] }]', '  - name: build', '    jobs: [{ name: compile, steps: [make], artifacts: [dist] }]'), 4, 61, 'stages[0].jobs[0].needs_artifacts[0]', 'which is in a later stage "build"'],
    ['needs its own artifacts', jobs('      - { name: j, steps: [make], artifacts: [x], needs_artifacts: [j] }'), 5, 69, 'stages[0].jobs[0].needs_artifacts[0]', 'job "j" cannot need its own artifacts'],
    ['needs a job that keeps none', yaml('name: p', 'stages:', '  - name: build', '    jobs: [{ name: compile, steps: [make] }]', '  - name: deploy', '    jobs: [{ name: deploy, steps: [ship], needs_artifacts: [compile] }]'), 6, 61, 'stages[1].jobs[0].needs_artifacts[0]', 'which keeps none'],
    ['needs a name two earlier stages have', yaml('name: p', 'stages:', '  - name: a', '    jobs: [{ name: x, steps: [make], artifacts: [o] }]', '  - name: b', '    jobs: [{ name: x, steps: [make], artifacts: [o] }]', '  - name: c', '    jobs: [{ name: y, steps: [make], needs_artifacts: [x] }]'), 8, 56, 'stages[2].jobs[0].needs_artifacts[0]', 'ambiguous: stages "a" and "b" both have one'],
    ['misspelt stage key', yaml('name: p', 'stages:', '  - name: s', '    enviroment: prod', '    jobs: [{ name: j, steps: [make] }]'), 4, 5, 'stages[0].enviroment', 'unknown key "enviroment" (did you mean "environment"?)'],
    ['stage without jobs', yaml('name: p', 'stages:', '  - name: s'), 3, 5, 'stages[0].jobs', 'required key "jobs" is missing'],
    ['stage with an empty jobs list', yaml('name: p', 'stages:', '  - name: s', '    jobs: []'), 4, 11, 'stages[0].jobs', 'non-empty list of jobs (got an empty list)'],
    ['duplicate stage name', yaml('name: p', 'stages:', '  - { name: s, jobs: [{ name: a, steps: [make] }] }', '  - { name: s, jobs: [{ name: b, steps: [make] }] }'), 4, 13, 'stages[1].name', 'duplicate stage name "s" (first used on line 3)'],
    ['approval as a string', yaml('name: p', 'stages:', '  - name: s', '    approval: yes', '    jobs: [{ name: j, steps: [make] }]'), 4, 15, 'stages[0].approval', 'approval must be true, false or a mapping (got the string "yes")'],
    ['approval required 0', yaml('name: p', 'stages:', '  - name: s', '    approval: { required: 0 }', '    jobs: [{ name: j, steps: [make] }]'), 4, 27, 'stages[0].approval.required', 'must be a whole number ≥ 1'],
    ['approval timeout without unit', yaml('name: p', 'stages:', '  - name: s', '    approval:', '      timeout: 3', '    jobs: [{ name: j, steps: [make] }]'), 5, 16, 'stages[0].approval.timeout', 'duration 3 has no unit'],
    ['more approvals than approvers', yaml('name: p', 'stages:', '  - name: s', '    approval: { approvers: [alice], required: 2 }', '    jobs: [{ name: j, steps: [make] }]'), 4, 47, 'stages[0].approval.required', 'requires 2 approvals but only 1 approver is listed'],
    ['unknown key with no close match', yaml('name: p', 'stages:', '  - { name: s, jobs: [{ name: j, steps: [make] }] }', 'owner: me'), 4, 1, 'owner', 'unknown key "owner"; expected one of: name, on, env, cache, stages'],
    ['missing pipeline name', yaml('stages:', '  - { name: s, jobs: [{ name: j, steps: [make] }] }'), 1, 1, 'name', 'required key "name" is missing'],
    ['pipeline name not a string', yaml('name: 5', 'stages:', '  - { name: s, jobs: [{ name: j, steps: [make] }] }'), 1, 7, 'name', 'must be a string (got number 5)'],
    ['empty stages', yaml('name: p', 'stages: []'), 2, 9, 'stages', 'stages must be a non-empty list of stages (got an empty list)'],
    ['expression in pipeline env', yaml('name: p', 'env: { A: "${{ matrix.x }}" }', 'stages:', '  - { name: s, jobs: [{ name: j, steps: [make] }] }'), 2, 11, 'env.A', 'cannot be used in the pipeline env'],
    ['expression in stage env', yaml('name: p', 'stages:', '  - name: s', '    env: { A: "${{ matrix.x }}" }', '    jobs: [{ name: j, steps: [make] }]'), 4, 15, 'stages[0].env.A', 'cannot be used in the stage env'],
    ['top level is a list', yaml('- name: p'), 1, 1, '', 'the top level of .gantry.yml must be a mapping (got a list)'],
    ['YAML syntax error', yaml('name: p', 'stages:', '  - name: s', '    jobs: [{ name: j, steps: [make }]'), 4, 36, '', 'invalid YAML: Flow sequence'],
    ['tab indentation', yaml('name: p', 'stages:', '\t- name: s'), 3, 1, '', 'Tabs are not allowed'],
    ['duplicate key', yaml('name: p', 'name: q', 'stages:', '  - { name: s, jobs: [{ name: j, steps: [make] }] }'), 2, 1, '', 'duplicate key "name"'],
    ['two YAML documents', yaml('name: p', '---', 'name: q'), 2, 1, '', 'more than one YAML document'],
    ['alias without anchor', yaml('name: *nope', 'stages: []'), 1, 7, '', 'alias "*nope" refers to no anchor'],
  ])('%s', (_name, text, line, column, path, fragment) => {
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual({ line, column, path, message: expect.stringContaining(fragment) });
  });

  it.each([
    ['an empty file', ''],
    ['a file with only comments', '# nothing yet\n'],
  ])('reports %s as one problem without a position', (_name, text) => {
    expect(problemsOf(text)).toEqual([
      { path: '', line: 0, column: 0, message: 'the pipeline file is empty; it needs at least "name" and "stages"' },
    ]);
  });

  it('reports a misspelt required key both as unknown and as missing', () => {
    expect(problemsOf(yaml('name: p', 'stage: []'))).toEqual([
      { line: 1, column: 1, path: 'stages', message: 'required key "stages" is missing' },
      { line: 2, column: 1, path: 'stage', message: 'unknown key "stage" (did you mean "stages"?)' },
    ]);
  });

  it('collects every problem in the file, in source order', () => {
    const problems = problemsOf(
      yaml(
        'name: p',
        'stages:',
        '  - name: build',
        '    jobs:',
        '      - name: compile',
        '        steps: make',
        '        timeout: 10',
        '  - name: deploy',
        '    approval: { required: 0 }',
        '    jobs:',
        '      - { name: deploy, steps: [ship], needs_artifacts: [compil], queue: "a b" }',
      ),
    );
    expect(problems.map((p) => `${p.line}:${p.column} ${p.path}`)).toEqual([
      '6:16 stages[0].jobs[0].steps',
      '7:18 stages[0].jobs[0].timeout',
      '9:27 stages[1].approval.required',
      '11:58 stages[1].jobs[0].needs_artifacts[0]',
      '11:74 stages[1].jobs[0].queue',
    ]);
  });
});

describe('formatPipelineProblems and PipelineError', () => {
  const problems = problemsOf(jobs('      - name: j', '        stpes: [make]'));

  it('formats one problem a line as FILE:LINE:COL: PATH: MESSAGE', () => {
    expect(formatPipelineProblems(problems)).toBe(
      [
        '.gantry.yml:5:9: stages[0].jobs[0].steps: required key "steps" is missing',
        '.gantry.yml:6:9: stages[0].jobs[0].stpes: unknown key "stpes" (did you mean "steps"?)',
      ].join('\n'),
    );
    expect(formatPipelineProblems(problemsOf(''), 'repo/.gantry.yml')).toBe(
      'repo/.gantry.yml: the pipeline file is empty; it needs at least "name" and "stages"',
    );
  });

  it('carries the problems, a code and the formatted message', () => {
    const error = new PipelineError(problems);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PipelineError');
    expect(error.code).toBe('PIPELINE_INVALID');
    expect(error.problems).toBe(problems);
    expect(error.message).toBe(formatPipelineProblems(problems));
  });
});

describe('parsePipeline: step timeouts', () => {
  it('reads { run, timeout } steps next to plain lines', () => {
    const result = parsePipeline(
      [
        'name: p',
        'stages:',
        '  - name: s',
        '    jobs:',
        '      - name: j',
        '        steps:',
        '          - make',
        '          - { run: make test, timeout: 90s }',
      ].join('\n'),
    );
    expect(result.ok && result.pipeline.stages[0]?.jobs[0]).toMatchObject({
      steps: ['make', 'make test'],
      stepTimeoutsMs: [null, 90_000],
    });
  });
});

describe('parsePipeline: secrets', () => {
  const withSecrets = (list: string) =>
    `name: s\nstages:\n  - name: deploy\n    jobs:\n      - name: ship\n        secrets: ${list}\n        steps: [./ship.sh]\n`;

  it('grants a job the secrets it names', () => {
    const result = parsePipeline(withSecrets('[DEPLOY_KEY, NPM_TOKEN]'));
    expect(result.ok && result.pipeline.stages[0]?.jobs[0]?.secrets).toEqual(['DEPLOY_KEY', 'NPM_TOKEN']);
  });

  it.each([
    ['[1BAD]', 'secret name "1BAD" must be an environment variable name'],
    ['[GANTRY_TOKEN]', 'secret name "GANTRY_TOKEN" is reserved'],
    ['[KEY, KEY]', 'secret "KEY" is named twice'],
    ['KEY', 'must be a list, not a single string'],
  ])('refuses secrets: %s', (list, message) => {
    const result = parsePipeline(withSecrets(list));
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((problem) => problem.message).join('\n')).toContain(message);
  });
});
