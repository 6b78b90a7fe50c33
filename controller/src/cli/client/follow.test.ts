import { afterEach, describe, expect, it } from 'vitest';
import { runControllerCli } from '../index.js';
import type { JobView, RunDetail, StageView } from './api-types.js';
import { captureIo, type FakeApi, inSequence, startFakeApi } from './fake-api.js';
import { jobView, runDetail, stageView } from './view-fixtures.js';

const options = { pollIntervalMs: 0, cwd: '/work' };
const t0 = '2024-05-01T12:00:00.000Z';

function job(name: string, status: JobView['status'], extra: Partial<JobView> = {}): JobView {
  const finished = status === 'succeeded' || status === 'failed' || status === 'timed_out';
  return jobView({
    id: `job-${name}`,
    name,
    status,
    startedAt: status === 'pending' || status === 'queued' ? null : t0,
    finishedAt: finished ? '2024-05-01T12:00:01.200Z' : null,
    ...extra,
  });
}

function stage(
  name: string,
  status: StageView['status'],
  jobs: JobView[],
  environment: string | null = null,
): StageView {
  return stageView({ name, status, environment, jobs });
}

function run(status: RunDetail['status'], stages: StageView[], error: string | null = null): RunDetail {
  return runDetail({
    id: 'r1',
    status,
    repo: '/work/app',
    sha: 'abcdef0123456789',
    error,
    createdAt: t0,
    startedAt: t0,
    stages,
  });
}

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function follow(
  states: RunDetail[],
  extraRoutes: Parameters<typeof startFakeApi>[0] = {},
  flags: string[] = [],
  terminal = false,
) {
  api = await startFakeApi({
    'POST /api/runs': { status: 201, json: { id: 'r1', status: 'queued', url: '/runs/r1' } },
    'GET /api/runs/r1': inSequence(...states.map((json) => ({ json }))),
    ...extraRoutes,
  });
  const captured = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
  captured.io.terminal = terminal;
  const code = await runControllerCli(['trigger', '--repo', 'app', '--follow', ...flags], captured.io, options);
  return { code, stdout: captured.stdout().replaceAll(api.url, 'URL'), stderr: captured.stderr() };
}

describe('gantry trigger --follow', () => {
  it('prints each transition of the run, its stages and jobs, and ends with success', async () => {
    const result = await follow([
      run('queued', [stage('build', 'pending', [job('compile', 'pending'), job('test', 'pending')])]),
      run('running', [
        stage('build', 'running', [job('compile', 'running', { agentId: 'agent-1' }), job('test', 'queued')]),
      ]),
      run('running', [
        stage('build', 'running', [
          job('compile', 'succeeded', { exitCode: 0 }),
          job('test', 'running', { agentId: 'agent-2' }),
        ]),
      ]),
      run('running', [
        stage('build', 'running', [
          job('compile', 'succeeded', { exitCode: 0 }),
          job('test', 'running', { agentId: 'agent-2' }),
        ]),
      ]),
      run('succeeded', [
        stage('build', 'succeeded', [
          job('compile', 'succeeded', { exitCode: 0 }),
          job('test', 'succeeded', { exitCode: 0 }),
        ]),
      ]),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'run r1 queued: URL/runs/r1',
        'run r1 running',
        '  build          running',
        '  build/compile  running    (agent agent-1)',
        '  build/test     queued',
        '  build/compile  succeeded  exit 0  1.2s',
        '  build/test     running    (agent agent-2)',
        '  build/test     succeeded  exit 0  1.2s',
        '  build          succeeded',
        'run r1 succeeded',
        '',
      ].join('\n'),
    );
  });

  it('prints the last 20 log lines of each failed job and exits 1', async () => {
    const log = `${Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n')}\n`;
    const result = await follow(
      [
        run('running', [stage('build', 'running', [job('compile', 'running'), job('lint', 'running')])]),
        run('failed', [
          stage('build', 'failed', [
            job('compile', 'failed', { exitCode: 2 }),
            job('lint', 'succeeded', { exitCode: 0 }),
          ]),
          stage('deploy', 'skipped', [job('ship', 'pending')]),
        ]),
      ],
      { 'GET /api/runs/r1/jobs/job-compile/log?attempt=1': { text: log } },
    );
    expect(result.code).toBe(1);
    const expectedTail = Array.from({ length: 20 }, (_, i) => `line ${i + 11}`);
    expect(result.stdout).toBe(
      [
        'run r1 queued: URL/runs/r1',
        'run r1 running',
        '  build          running',
        '  build/compile  running',
        '  build/lint     running',
        '  build/compile  failed     exit 2  1.2s',
        '  build/lint     succeeded  exit 0  1.2s',
        '  build          failed',
        '  deploy         skipped',
        'run r1 failed',
        '--- build/compile failed, attempt 1: last 20 log lines ---',
        ...expectedTail,
        '',
      ].join('\n'),
    );
  });

  it('shows what the pusher wrote (names, the error, the log tail, test names) without its control characters', async () => {
    const esc = '\u001b';
    const sneakyJob = `compile${esc}]0;pwned\u0007`;
    const counts = { total: 1, passed: 0, failed: 1, error: 0, skipped: 0 };
    const tests = {
      runId: 'r1',
      counts,
      jobs: [{ jobId: 'job-x', jobName: sneakyJob, stage: 'build', attempt: 1, counts, reports: [] }],
      cases: [
        {
          ...{ jobId: 'job-x', jobName: sneakyJob, suite: `suite${esc}[2J`, className: 'c', name: 'works' },
          ...{ status: 'failed', durationMs: 1, message: `boom\u009b1A`, output: null, flaky: false },
        },
      ],
      truncated: false,
    };
    const failed = run(
      'failed',
      [stage(`build${esc}[31m`, 'failed', [job(sneakyJob, 'failed', { id: 'job-x', exitCode: 1 })])],
      `.gantry.yml:1:1: ${esc}]52;c;ZXZpbA==\u0007`,
    );
    const routes = {
      'GET /api/runs/r1/jobs/job-x/log?attempt=1': { text: `plain\nclipboard ${esc}]52;c;ZXZpbA==\u0007 gone\n` },
      'GET /api/runs/r1/tests?limit=50': { json: tests },
    };
    for (const terminal of [false, true]) {
      const result = await follow([failed], routes, [], terminal);
      expect(result.code).toBe(1);
      // The log tail is the job's output: a pipe gets its bytes, a terminal only its text.
      const rawTail = `clipboard ${esc}]52;c;ZXZpbA==\u0007 gone\n`;
      expect(result.stdout).toContain(terminal ? 'clipboard  gone\n' : rawTail);
      // Besides that, what the CLI draws itself: moving up over the board to redraw it.
      const redraws = new RegExp(`${esc}\\[\\d+A${esc}\\[0J`, 'g');
      const printed = result.stdout.replace(rawTail, '').replaceAll(redraws, '');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character but line ends may reach the terminal
      expect(printed).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      expect(printed).toContain('build\\u001b[31m/compile\\u001b]0;pwned\\u0007');
      expect(printed).toContain('  .gantry.yml:1:1: \\u001b]52;c;ZXZpbA==\\u0007\n');
      expect(printed).toContain('✗ compile\\u001b]0;pwned\\u0007: suite\\u001b[2J › works — boom\\u009b1A\n');
      await api?.close();
    }
    api = undefined;
  });

  it('prints the error of a run that failed before any job ran', async () => {
    const problems =
      '.gantry.yml:3:5: jobs.compile.needs: unknown job "lnt"\n.gantry.yml:9:1: stages: must not be empty';
    const result = await follow([run('failed', [], problems)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      [
        'run r1 queued: URL/runs/r1',
        'run r1 failed',
        '  .gantry.yml:3:5: jobs.compile.needs: unknown job "lnt"',
        '  .gantry.yml:9:1: stages: must not be empty',
        '',
      ].join('\n'),
    );
  });

  it('stops at an approval with the command to give it, exit 2', async () => {
    const result = await follow([
      run('awaiting_approval', [
        stage('build', 'succeeded', [job('compile', 'succeeded', { exitCode: 0 })]),
        stage('deploy', 'awaiting_approval', [job('ship', 'pending')], 'production'),
      ]),
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe(
      [
        'run r1 queued: URL/runs/r1',
        '  build/compile  succeeded  exit 0  1.2s',
        '  build          succeeded',
        '  deploy         awaiting_approval  (environment production)',
        'waiting for approval of stage "deploy": gantry approve r1 --stage deploy',
        '',
      ].join('\n'),
    );
  });

  it('draws a board in place on a terminal: symbols, durations, a spinner, skip reasons, then the outcome', async () => {
    const running = run('running', [
      stage('build', 'running', [job('compile', 'running'), job('test', 'queued')]),
      stageView({ name: 'deploy', status: 'pending', jobs: [job('ship', 'pending')] }),
    ]);
    const done = run('succeeded', [
      stage('build', 'succeeded', [job('compile', 'succeeded'), job('test', 'succeeded')]),
      stageView({
        name: 'deploy',
        status: 'skipped',
        skipReason: 'if: branch main; this run is on branch x',
        jobs: [job('ship', 'pending')],
      }),
    ]);
    const result = await follow([running, done], {}, [], true);
    expect(result.code).toBe(0);
    const [first, second] = result.stdout.split('\x1b[6A\x1b[0J');
    expect(first).toContain('⠋ compile');
    expect(first).toContain('○ test');
    expect(first).toContain('· deploy');
    expect(second?.split('\n').slice(0, 6)).toEqual([
      'run r1  succeeded',
      '✓ build      succeeded',
      '  ✓ compile  succeeded          1.2s',
      '  ✓ test     succeeded          1.2s',
      '– deploy     skipped  (if: branch main; this run is on branch x)',
      '  · ship     pending',
    ]);
    expect(second).toContain('run r1 succeeded');
  });

  it('exits 3 when the farm stops answering while it follows', async () => {
    api = await startFakeApi({
      'POST /api/runs': { status: 201, json: { id: 'r1', status: 'queued', url: '/runs/r1' } },
      'GET /api/runs/r1': { hang: true },
    });
    const captured = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    const code = await runControllerCli(['trigger', '--repo', 'app', '--follow'], captured.io, {
      ...options,
      requestTimeoutMs: 50,
    });
    expect(code).toBe(3);
    expect(captured.stderr()).toContain('cannot reach the Gantry API');
  });

  it('with --wait follows through the approval to the outcome', async () => {
    const built = stage('build', 'succeeded', [job('compile', 'succeeded', { exitCode: 0 })]);
    const waiting = run('awaiting_approval', [built, stage('deploy', 'awaiting_approval', [job('ship', 'pending')])]);
    const result = await follow(
      [
        waiting,
        waiting,
        run('running', [built, stage('deploy', 'running', [job('ship', 'running')])]),
        run('rejected', [built, stage('deploy', 'canceled', [job('ship', 'canceled')])]),
      ],
      {},
      ['--wait'],
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      [
        'run r1 queued: URL/runs/r1',
        '  build/compile  succeeded  exit 0  1.2s',
        '  build          succeeded',
        '  deploy         awaiting_approval',
        'waiting for approval of stage "deploy": gantry approve r1 --stage deploy',
        'run r1 running',
        '  deploy         running',
        '  deploy/ship    running',
        '  deploy/ship    canceled',
        '  deploy         canceled',
        'run r1 rejected',
        '',
      ].join('\n'),
    );
  });

  it('stops following on Ctrl-C with exit 130, leaving the run alone', async () => {
    const controller = new AbortController();
    api = await startFakeApi({
      'POST /api/runs': { status: 201, json: { id: 'r1', status: 'queued', url: '/runs/r1' } },
      'GET /api/runs/r1': () => {
        controller.abort();
        return { json: run('running', []) };
      },
    });
    const captured = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' }, controller.signal);
    const code = await runControllerCli(['trigger', '--repo', 'app', '--follow'], captured.io, options);
    expect(code).toBe(130);
    expect(captured.stderr()).toContain('stopped following run r1');
    expect(api.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
  });
});
