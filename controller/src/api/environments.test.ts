/**
 * Protected environments through the HTTP API: an admin protects
 * `production`; a commit whose `.gantry.yml` drops the gate (or allows
 * self-approval) still waits for the protection's approvers; a run off the
 * allowed branches fails that stage before it runs. Changes are audited.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';

const pipeline = (production: string) => `name: deploys
stages:
  - name: production
    environment: production
${production}    jobs:
      - { name: ship, steps: [make] }
  - name: after
    jobs:
      - { name: announce, steps: [echo] }
`;

interface RunAnswer {
  status: string;
  error: string | null;
  stages: { status: string }[];
}

describe('protected environments', () => {
  let testApp: TestApp;
  const tokens: Record<string, string> = {};
  const call = async (who: string, method: string, path: string, body?: unknown) => {
    const response = await testApp.app.request(path, {
      method,
      headers: { authorization: `Bearer ${tokens[who] ?? testAdminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const statuses = async (runId: string) => {
    const run = (await call('admin', 'GET', `/api/runs/${runId}`)).body as unknown as RunAnswer;
    return [run.status, ...run.stages.map((stage) => stage.status)];
  };
  const trigger = async (ref: string) => {
    const answer = await call('rel1', 'POST', '/api/runs', { repo: testApp.repo, ref });
    expect(answer.status).toBe(201);
    await testApp.scheduler.settle();
    return answer.body.id as string;
  };
  const approve = (who: string, runId: string) => call(who, 'POST', `/api/runs/${runId}/stages/production/approve`, {});
  const protect = (body: unknown) => call('admin', 'PUT', '/api/environments/production/protection', body);

  beforeAll(async () => {
    // The commit on main has no gate on production at all.
    testApp = await openTestApp({ pipeline: pipeline('') });
    for (const [name, roles] of [
      ['reader', ['read']],
      ['paul', ['approve']],
      ['rel1', ['trigger', 'approve', 'release']],
      ['rel2', ['approve', 'release']],
      ['rel3', ['approve', 'release']],
    ] as const) {
      tokens[name] = ((await call('admin', 'POST', '/api/tokens', { name, roles })).body.token as string) ?? '';
    }
    const git = (...args: string[]) => execFileSync('git', ['-C', testApp.repo, ...args]);
    git('checkout', '-q', '-b', 'selfish');
    writeFileSync(join(testApp.repo, '.gantry.yml'), pipeline('    approval: { allow_self_approval: true }\n'));
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'approve my own');
    git('checkout', '-q', 'main');
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  it('is set by an admin only, validated, listed to readers and audited', async () => {
    expect((await call('rel1', 'PUT', '/api/environments/production/protection', {})).status).toBe(403);
    const bad = await protect({ approvers: [], required: 0 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('approvers must name at least one identity or role:NAME');
    const saved = await protect({ approvers: ['role:release'], required: 2, branches: ['main', 'selfish'] });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ name: 'production', required: 2, updatedBy: 'admin' });
    const listed = await call('reader', 'GET', '/api/environments');
    expect(listed.body.environments).toEqual([
      expect.objectContaining({ name: 'production', approvers: ['role:release'], branches: ['main', 'selfish'] }),
    ]);
    const trail = await call('admin', 'GET', '/api/audit?action=environment.protect');
    expect(trail.body.events).toEqual([
      expect.objectContaining({
        actor: 'admin',
        details: expect.objectContaining({ name: 'production', required: 2 }),
      }),
    ]);
  });

  it('refuses to require more approvals than the named approvers can give, as .gantry.yml does', async () => {
    const unmeetable =
      'required: requires 2 approvals but only 1 approver is named, so no deployment could ever be approved; name more approvers or a role:NAME';
    for (const approvers of [['alice'], ['alice', 'alice']]) {
      const refused = await call('admin', 'PUT', '/api/environments/staging/protection', { approvers, required: 2 });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'INVALID_INPUT', issues: [unmeetable] });
    }
    // A role may be held by any number of people: it lifts the limit.
    const withRole = { approvers: ['alice', 'role:release'], required: 3 };
    expect((await call('admin', 'PUT', '/api/environments/staging/protection', withRole)).status).toBe(200);
  });

  it('gates a stage whose file removed approval: only the protection approvers, two of them', async () => {
    const runId = await trigger('main');
    expect(await statuses(runId)).toEqual(['awaiting_approval', 'awaiting_approval', 'pending']);
    const refused = await approve('paul', runId);
    expect(refused.status).toBe(403);
    expect((refused.body.error as { message: string }).message).toBe(
      'paul is not an approver of the protected environment "production" (approvers: role:release)',
    );
    expect((await approve('rel1', runId)).status).toBe(403); // triggered it
    expect((await approve('rel2', runId)).status).toBe(200);
    expect(await statuses(runId)).toEqual(['awaiting_approval', 'awaiting_approval', 'pending']);
    expect((await approve('rel3', runId)).status).toBe(200);
    expect(await statuses(runId)).toEqual(['running', 'running', 'pending']);
  });

  it('ignores allow_self_approval in the file of a protected stage', async () => {
    const runId = await trigger('selfish');
    const refused = await approve('rel1', runId);
    expect(refused.status).toBe(403);
    expect((refused.body.error as { message: string }).message).toContain('does not allow self-approval');
  });

  it('fails the stage of a run off the allowed branches before it runs', async () => {
    expect((await protect({ approvers: ['role:release'], required: 1, branches: ['main'] })).status).toBe(200);
    const runId = await trigger('selfish');
    expect(await statuses(runId)).toEqual(['failed', 'failed', 'skipped']);
    const run = (await call('admin', 'GET', `/api/runs/${runId}`)).body as unknown as RunAnswer;
    expect(run.error).toBe('environment "production" only accepts deployments from main; this run is on selfish');
  });

  it('stops gating once the protection is removed, audited', async () => {
    expect((await call('admin', 'DELETE', '/api/environments/production/protection')).status).toBe(200);
    expect((await call('admin', 'DELETE', '/api/environments/production/protection')).status).toBe(404);
    const runId = await trigger('main');
    expect(await statuses(runId)).toEqual(['running', 'running', 'pending']);
    const trail = await call('admin', 'GET', '/api/audit?action=environment.unprotect');
    expect(trail.body.events).toEqual([expect.objectContaining({ actor: 'admin', details: { name: 'production' } })]);
  });
});
