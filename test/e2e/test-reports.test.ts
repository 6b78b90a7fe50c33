/**
 * Test reports on a real farm: jobs copy JUnit XML written by real runners
 * (Vitest, pytest; test/fixtures/junit) into their workspace; the agent
 * uploads them whatever the result, the controller reads them, and the API,
 * the job logs and `gantry trigger --follow` show the counts and the failing
 * case with its message. A malformed report, or one over the byte or case
 * limit, is refused with a line in the log and a note in the API; a case
 * that fails and then passes on a retry is listed as flaky.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo, type GitRepo, type RunView } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';

const gantryBin = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));
const fixture = (name: string) => readFileSync(new URL(`../fixtures/junit/${name}`, import.meta.url), 'utf8');

const flakyReport = (failed: boolean) =>
  `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="1"><testcase classname="tests.test_clock" name="test_tick" time="0.002">${
    failed ? '<failure message="AssertionError: tick came late">assert late</failure>' : ''
  }</testcase></testsuite></testsuites>`;

/** A well-formed report of 60 cases, over the farm's limit of 50. */
const manyCases = `#!/bin/sh
echo '<testsuite name="many">'
for i in $(seq 1 60); do echo "<testcase name='t$i'/>"; done
echo '</testsuite>'
`;

const pipeline = `name: tested
stages:
  - name: test
    jobs:
      - name: unit
        reports: { junit: ["reports/*.xml"] }
        steps: ["mkdir -p reports && cp fixtures/vitest.xml reports/unit.xml", "echo 1 test failed; exit 1"]
      - name: api
        reports: { junit: ["reports/*.xml"] }
        steps: ["mkdir -p reports && cp fixtures/pytest-passed.xml reports/api.xml"]
      - name: broken
        reports: { junit: [out/junit.xml] }
        steps: ["mkdir -p out && printf '<testsuite><testcase name=a>' > out/junit.xml"]
      - name: huge
        reports: { junit: [huge.xml] }
        steps: ["printf '<testsuite name=big><testcase name=a><failure>%06000d</failure></testcase></testsuite>' 0 > huge.xml"]
      - name: many
        reports: { junit: [many.xml] }
        steps: [./many-cases.sh > many.xml]
      - name: clock
        retry: { failed: 1 }
        reports: { junit: [clock.xml] }
        steps: ['if [ "$GANTRY_ATTEMPT" = 1 ]; then cp fixtures/clock-failed.xml clock.xml; exit 1; fi; cp fixtures/clock-passed.xml clock.xml']
`;

function gantry(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [gantryBin, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const jobId = (run: RunView, name: string) => {
  const job = run.stages.flatMap((stage) => stage.jobs).find((candidate) => candidate.name === name);
  if (!job) throw new Error(`no job ${name} in run ${run.id}`);
  return job.id;
};

describe('JUnit test reports', () => {
  let farm: Farm;
  let repo: GitRepo;
  let run: RunView;
  beforeAll(async () => {
    farm = await startFarm({
      agents: 1,
      slots: 4,
      controllerEnv: { GANTRY_TEST_REPORT_MAX_BYTES: '4096', GANTRY_TEST_REPORT_MAX_CASES: '50' },
    });
    repo = await createGitRepo({
      '.gantry.yml': pipeline,
      'fixtures/vitest.xml': fixture('vitest.xml'),
      'fixtures/pytest-passed.xml': fixture('pytest-passed.xml'),
      'fixtures/clock-failed.xml': flakyReport(true),
      'fixtures/clock-passed.xml': flakyReport(false),
      'many-cases.sh': manyCases,
    });
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(created.response.status).toBe(201);
    run = await farm.client.waitForRun(created.data!.id, (view) => !['queued', 'running'].includes(view.status), {
      timeoutMs: 120_000,
    });
  }, 180_000);
  afterAll(async () => {
    await farm?.stop();
  });

  it('answers the counts per job and the failing case first, with its message', async () => {
    expect(run.status, farmLogs(farm)).toBe('failed');
    const { data, response } = await farm.client.GET('/api/runs/{id}/tests', { params: { path: { id: run.id } } });
    expect(response.status).toBe(200);
    const byJob = Object.fromEntries(data!.jobs.map((job) => [job.jobName, job]));
    expect(byJob.unit?.counts).toEqual({ total: 4, passed: 2, failed: 1, error: 0, skipped: 1 });
    expect(byJob.api?.counts).toEqual({ total: 3, passed: 3, failed: 0, error: 0, skipped: 0 });
    expect(byJob.clock).toMatchObject({ attempt: 2, counts: { total: 1, passed: 1, failed: 0 } });
    expect(byJob.broken?.reports).toEqual([
      { path: 'out/junit.xml', status: 'refused', problem: expect.stringContaining('not well-formed XML') },
    ]);
    expect(data!.counts).toEqual({ total: 8, passed: 6, failed: 1, error: 0, skipped: 1 });
    expect(data!.cases[0]).toMatchObject({
      jobName: 'unit',
      suite: 'src/greet.test.ts',
      name: 'greet > shouts',
      status: 'failed',
      message: "expected 'hello' to be 'HELLO' // Object.is equality",
      output: expect.stringContaining('src/greet.test.ts:9:22'),
    });
  });

  it('refuses a report over the byte or case limit, saying so in the API and the log, and the job goes on', async () => {
    const { data } = await farm.client.GET('/api/runs/{id}/tests', { params: { path: { id: run.id } } });
    const byJob = Object.fromEntries(data!.jobs.map((job) => [job.jobName, job]));
    expect(byJob.huge?.reports).toEqual([
      {
        path: 'huge.xml',
        status: 'refused',
        problem: expect.stringMatching(/^it is \d+ bytes, over the limit of 4096 bytes$/),
      },
    ]);
    expect(byJob.many?.reports).toEqual([{ path: 'many.xml', status: 'refused', problem: 'more than 50 test cases' }]);
    expect(run.stages[0]?.jobs.find((job) => job.name === 'huge')?.status).toBe('succeeded');
    const manyLog = await farm.client.readLog(run.id, jobId(run, 'many'));
    expect(manyLog).toContain('test report many.xml refused: more than 50 test cases');
  });

  it('says in each job log what it read from the report, or why it refused it', async () => {
    const unitLog = await farm.client.readLog(run.id, jobId(run, 'unit'));
    expect(unitLog).toContain('test report reports/unit.xml: 4 tests, 2 passed, 1 failed, 0 errors, 1 skipped');
    const brokenLog = await farm.client.readLog(run.id, jobId(run, 'broken'));
    expect(brokenLog).toMatch(/test report out\/junit\.xml refused: not well-formed XML \(line 1/);
  });

  it('lists a case that failed and then passed on a retry as flaky', async () => {
    const { data, response } = await farm.client.GET('/api/tests/flaky', { params: { query: { repo: repo.path } } });
    expect(response.status).toBe(200);
    expect(data!.tests).toEqual([
      expect.objectContaining({
        jobName: 'clock',
        className: 'tests.test_clock',
        name: 'test_tick',
        flakes: 1,
        failures: 1,
        lastRunId: run.id,
        lastMessage: 'AssertionError: tick came late',
      }),
    ]);
  });

  it('gantry trigger --follow ends with the counts and the failing test names', async () => {
    const env = { GANTRY_URL: farm.controller.httpUrl, GANTRY_TOKEN: farm.adminToken };
    const result = await gantry(['trigger', '--repo', repo.path, '--ref', 'main', '--follow'], env);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('tests: 8 total, 6 passed, 1 failed, 0 errors, 1 skipped');
    expect(result.stdout).toContain('report broken: out/junit.xml refused: not well-formed XML');
    expect(result.stdout).toMatch(
      /failing tests:\n {2}✗ unit: src\/greet\.test\.ts › greet > shouts — expected 'hello' to be 'HELLO' \/\/ Object\.is equality\n/,
    );
  });
});
