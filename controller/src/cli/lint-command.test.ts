import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from './client/fake-api.js';
import { runControllerCli } from './index.js';

async function lint(files: Record<string, string>, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-lint-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const captured = captureIo({});
  const code = await runControllerCli(['lint', ...args], captured.io, { cwd: dir });
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

const valid = `name: app
stages:
  - name: build
    jobs:
      - name: compile
        queue: linux
        steps: [make]
  - name: test
    jobs:
      - name: api
        matrix: { node: ["20", "22"] }
        steps: ["./api.sh \${{ matrix.node }}"]
  - name: production
    environment: production
    approval: { required: 2, approvers: ["role:release"] }
    jobs: [{ name: deploy, secrets: [DEPLOY_KEY], steps: [./deploy.sh] }]
`;

describe('gantry lint', () => {
  it('summarises the stages and jobs of .gantry.yml, matrix cells expanded, and exits 0', async () => {
    const result = await lint({ '.gantry.yml': valid });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        '.gantry.yml: pipeline "app" is valid: 3 stages, 4 jobs',
        '1. build',
        '   - compile  (queue linux)',
        '2. test',
        '   - api (node=20)',
        '   - api (node=22)',
        '3. production  (environment production; waits for 2 approvals from role:release)',
        '   - deploy  (secrets DEPLOY_KEY)',
        '',
      ].join('\n'),
    );
  });

  it('reports a misspelled key with its line, column and suggestion, and exits 1', async () => {
    const text = valid.replace('        steps: [make]', '        stpes: [make]');
    const result = await lint({ 'ci.yml': text }, ['ci.yml']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ci.yml:7:9: stages[0].jobs[0].stpes: unknown key "stpes" (did you mean "steps"?)');
    expect(result.stderr).toContain('ci.yml:5:9: stages[0].jobs[0].steps: required key "steps" is missing');
    expect(result.stderr).toMatch(/ci\.yml: 2 problems\n$/);
    expect(result.stdout).toBe('');
  });

  it('refuses a secret name that is not an environment variable name', async () => {
    const result = await lint({ '.gantry.yml': valid.replace('secrets: [DEPLOY_KEY]', 'secrets: [deploy-key]') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'stages[2].jobs[0].secrets[0]: secret name "deploy-key" must be an environment variable name',
    );
  });

  it('lists every problem of the file at once', async () => {
    const text =
      'name: app\nstages:\n  - name: a\n    jobz: []\n  - nme: b\n    jobs: [{ name: x, steps: [y], timeout: 10 }]\n';
    const result = await lint({ '.gantry.yml': text });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('.gantry.yml:4:5: stages[0].jobz: unknown key "jobz" (did you mean "jobs"?)');
    expect(result.stderr).toContain('.gantry.yml:5:5: stages[1].nme: unknown key "nme" (did you mean "name"?)');
    expect(result.stderr).toContain('stages[1].jobs[0].timeout: duration 10 has no unit');
  });

  it('gives the problems as JSON with --json', async () => {
    const result = await lint({ '.gantry.yml': 'name: app\nstages: []\n' }, ['--json']);
    expect(result.code).toBe(1);
    const document = JSON.parse(result.stdout) as { ok: boolean; problems: { line: number; column: number }[] };
    expect(document.ok).toBe(false);
    expect(document.problems[0]).toMatchObject({ path: 'stages', line: 2, column: 9 });
  });

  it('exits 2 naming the file when it cannot be read', async () => {
    const result = await lint({}, ['missing.yml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('gantry lint: cannot read missing.yml: ENOENT\n');
  });
});
