/**
 * A gate's policy, through the HTTP API with several identities: who may
 * approve (approvers, roles), self-approval (the triggerer, the commit's author
 * or committer), `required` distinct approvals, rejection, and the timeout the
 * reaper's sweep enforces. Refusals are 403 with the reason, and audited.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reaper } from '../scheduler/reaper.js';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';

const gated = (approval: string) => `name: gated
stages:
  - name: production
    approval: ${approval}
    jobs:
      - { name: ship, steps: [make] }
  - name: after
    jobs:
      - { name: announce, steps: [echo] }
`;

interface RunAnswer {
  status: string;
  stages: {
    name: string;
    status: string;
    approval: { decisions: { approver: string; comment: string | null }[] } | null;
  }[];
}
interface AuditAnswer {
  events: { actor: string; action: string; details: Record<string, unknown> }[];
}

describe('approval policy', () => {
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
  const decide = (who: string, runId: string, decision: 'approve' | 'reject', comment?: string) =>
    call(who, 'POST', `/api/runs/${runId}/stages/production/${decision}`, comment ? { comment } : {});
  const errorOf = (answer: { body: Record<string, unknown> }) => (answer.body.error as { message: string }).message;
  const runOf = async (runId: string) =>
    (await call('admin', 'GET', `/api/runs/${runId}`)).body as unknown as RunAnswer;
  const statuses = async (runId: string) => {
    const run = await runOf(runId);
    return [run.status, ...run.stages.map((stage) => stage.status)];
  };
  const audit = async (query: string) =>
    (await call('admin', 'GET', `/api/audit?${query}`)).body as unknown as AuditAnswer;
  /** A branch of the test repository whose pipeline has the gate `approval`, committed by `author`. */
  const branch = (name: string, approval: string, author = 'T <t@t>') => {
    const git = (...args: string[]) => execFileSync('git', ['-C', testApp.repo, ...args]);
    git('checkout', '-q', '-b', name, 'main');
    writeFileSync(join(testApp.repo, '.gantry.yml'), gated(approval));
    git(
      '-c',
      'user.name=c',
      '-c',
      'user.email=committer@example.com',
      'commit',
      '-qam',
      name,
      '--allow-empty',
      '--author',
      author,
    );
    git('checkout', '-q', 'main');
  };
  const trigger = async (who: string, ref: string) => {
    const answer = await call(who, 'POST', '/api/runs', { repo: testApp.repo, ref });
    expect(answer.status).toBe(201);
    await testApp.scheduler.settle();
    const runId = answer.body.id as string;
    expect(await statuses(runId)).toEqual(['awaiting_approval', 'awaiting_approval', 'pending']);
    return runId;
  };

  beforeAll(async () => {
    testApp = await openTestApp({ pipeline: gated('true') });
    for (const [name, roles, email] of [
      ['reader', ['read'], undefined],
      ['tina', ['trigger', 'approve'], 'tina@example.com'],
      ['ann', ['approve'], 'ANN@example.com'],
      ['carl', ['approve'], 'committer@example.com'],
      ['paul', ['approve'], 'paul@example.com'],
      ['peter', ['approve'], undefined],
      ['rel', ['approve', 'release'], undefined],
    ] as const) {
      const created = await call('admin', 'POST', '/api/tokens', { name, roles, ...(email ? { email } : {}) });
      expect(created.status).toBe(201);
      tokens[name] = created.body.token as string;
    }
    branch('authored', 'true', 'Ann <ann@example.com>');
    branch('self', '{ allow_self_approval: true }', 'Ann <ann@example.com>');
    branch('two', '{ required: 2 }');
    branch('listed', '{ approvers: [alice, "role:release"] }');
    branch('slow', '{ timeout: 72h }');
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  it('refuses a read-only identity, the triggerer, and the commit author or committer, with the reason, audited', async () => {
    const runId = await trigger('tina', 'authored');
    expect((await decide('reader', runId, 'approve')).status).toBe(403);
    const byTriggerer = await decide('tina', runId, 'approve');
    expect(byTriggerer.status).toBe(403);
    expect(errorOf(byTriggerer)).toBe(
      'tina triggered this run; the gate of stage "production" does not allow self-approval',
    );
    const byAuthor = await decide('ann', runId, 'approve', 'mine');
    expect(errorOf(byAuthor)).toBe(
      'ann (ANN@example.com) authored this commit; the gate of stage "production" does not allow self-approval',
    );
    expect(byAuthor.status).toBe(403);
    expect(errorOf(await decide('carl', runId, 'approve'))).toContain(
      'carl (committer@example.com) committed this commit',
    );
    expect(await statuses(runId)).toEqual(['awaiting_approval', 'awaiting_approval', 'pending']);

    const refused = await audit(`runId=${runId}&action=approval_refused`);
    expect(refused.events.map((event) => event.actor)).toEqual(['carl', 'ann', 'tina']);
    expect(refused.events[1]?.details).toMatchObject({ stage: 'production', decision: 'approve', comment: 'mine' });
    expect(refused.events[1]?.details.reason).toContain('ann (ANN@example.com) authored this commit');

    expect((await decide('paul', runId, 'approve', 'looks good')).status).toBe(200);
    expect(await statuses(runId)).toEqual(['running', 'running', 'pending']);
    const approvals = await audit(`runId=${runId}&action=approve`);
    expect(approvals.events).toEqual([
      expect.objectContaining({ actor: 'paul', details: expect.objectContaining({ comment: 'looks good' }) }),
    ]);
  });

  it('lets the triggerer and the author approve when the gate allows self-approval', async () => {
    const byTriggerer = await trigger('tina', 'self');
    expect((await decide('tina', byTriggerer, 'approve')).status).toBe(200);
    const byAuthor = await trigger('tina', 'self');
    expect((await decide('ann', byAuthor, 'approve')).status).toBe(200);
    expect(await statuses(byAuthor)).toEqual(['running', 'running', 'pending']);
  });

  it('needs two distinct approvers for required: 2; approving twice counts once', async () => {
    const runId = await trigger('tina', 'two');
    expect((await decide('paul', runId, 'approve', 'first')).status).toBe(200);
    const again = await decide('paul', runId, 'approve', 'again');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      decision: 'approved',
      approver: 'paul',
      stage: { status: 'awaiting_approval' },
    });
    expect(await statuses(runId)).toEqual(['awaiting_approval', 'awaiting_approval', 'pending']);
    expect((await runOf(runId)).stages[0]?.approval?.decisions).toEqual([
      expect.objectContaining({ approver: 'paul', comment: 'first' }),
    ]);
    expect((await audit(`runId=${runId}&action=approve`)).events).toHaveLength(1);

    expect((await decide('peter', runId, 'approve')).status).toBe(200);
    expect(await statuses(runId)).toEqual(['running', 'running', 'pending']);
  });

  it('lets only the listed identities and role holders decide', async () => {
    const runId = await trigger('tina', 'listed');
    const refused = await decide('paul', runId, 'approve');
    expect(refused.status).toBe(403);
    expect(errorOf(refused)).toBe('paul is not an approver of stage "production" (approvers: alice, role:release)');
    expect((await decide('paul', runId, 'reject')).status).toBe(403);
    expect((await decide('rel', runId, 'approve')).status).toBe(200);
    expect(await statuses(runId)).toEqual(['running', 'running', 'pending']);
  });

  it('rejects: the run ends rejected and later stages never run; a later decision is 409', async () => {
    const runId = await trigger('tina', 'main');
    const rejected = await decide('tina', runId, 'reject', 'not today');
    expect(rejected.status).toBe(200);
    expect(await statuses(runId)).toEqual(['rejected', 'rejected', 'skipped']);
    const late = await decide('paul', runId, 'approve');
    expect(late.status).toBe(409);
    expect(errorOf(late)).toBe('stage "production" is rejected, not awaiting_approval');
    expect((await audit(`runId=${runId}&action=reject`)).events).toEqual([
      expect.objectContaining({ actor: 'tina', details: expect.objectContaining({ comment: 'not today' }) }),
    ]);
  });

  it('rejects the stage and the run once the gate timeout passed, by the reaper sweep, audited as gantry', async () => {
    const reaper = new Reaper({
      db: testApp.database.db,
      lifecycle: testApp.lifecycle,
      scheduler: testApp.scheduler,
      log: pino({ level: 'silent' }),
      leaseTtlMs: 30_000,
      republishAfterMs: 3_600_000,
      countOffers: async () => 0,
      wakeRelay: () => {},
    });
    const runId = await trigger('tina', 'slow');
    await reaper.sweep();
    expect(await statuses(runId)).toEqual(['awaiting_approval', 'awaiting_approval', 'pending']);

    // Move the gate's start 73 hours into the past instead of waiting 72 hours.
    await testApp.database.db.execute(
      sql`update stages set approval_requested_at = now() - interval '73 hours' where run_id = ${runId}`,
    );
    await reaper.sweep();
    expect(await statuses(runId)).toEqual(['rejected', 'rejected', 'skipped']);
    await reaper.sweep();
    expect((await audit(`runId=${runId}&action=approval_timeout`)).events).toEqual([
      expect.objectContaining({ actor: 'gantry', details: { stage: 'production', timeoutMs: 72 * 3_600_000 } }),
    ]);
  });
});
