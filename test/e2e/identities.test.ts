/**
 * Identities and the audit trail on a real farm over PostgreSQL: the admin
 * makes tokens with the `gantry token` CLI, a trigger token starts a run, an
 * approve token opens its gate, an agent runs the job, and the audit trail
 * (the API and `gantry audit`) names each of them. The database itself refuses to rewrite the trail, and
 * no token secret is stored in any table.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createGitRepo } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';

const gantryBin = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));
const execFileAsync = promisify(execFile);

const pipeline = `name: identities
stages:
  - name: deploy
    approval: { required: 1 }
    jobs:
      - { name: ship, steps: ["echo shipped"] }
`;

describe('identities and the audit trail on PostgreSQL', () => {
  let farm: Farm;
  let database: pg.Client;
  const gantry = (args: string[], token: string) =>
    execFileAsync(process.execPath, [gantryBin, ...args], {
      env: { ...process.env, GANTRY_URL: farm.controller.httpUrl, GANTRY_TOKEN: token },
      timeout: 30_000,
    });

  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 1 });
    database = new pg.Client({ connectionString: farm.databaseUrl });
    await database.connect();
  });
  afterAll(async () => {
    await database?.end();
    await farm?.stop();
  });

  it('runs a gated pipeline with a trigger token and an approve token, audited by name', async () => {
    const shipper = await gantry(
      ['token', 'create', '--name', 'tina', '--role', 'trigger', '--role', 'read'],
      farm.adminToken,
    );
    const approver = await gantry(
      ['token', 'create', '--name', 'paul', '--role', 'approve', '--email', 'paul@example.com', '--expires-in', '1d'],
      farm.adminToken,
    );
    const tinaToken = shipper.stdout.trim();
    const paulToken = approver.stdout.trim();
    expect(tinaToken).toMatch(/^gantry_\S+$/);
    expect((await gantry(['whoami'], paulToken)).stdout).toBe('paul <paul@example.com>\nroles: approve\n');

    const repo = await createGitRepo({ '.gantry.yml': pipeline });
    const tina = api(farm.controller.httpUrl, tinaToken);
    const paul = api(farm.controller.httpUrl, paulToken);
    const created = await tina.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(created.response.status).toBe(201);
    const runId = created.data?.id ?? '';
    await tina.waitForRun(runId, (run) => run.status === 'awaiting_approval');
    const gate = { params: { path: { id: runId, stage: 'deploy' } }, body: {} };
    const refused = await tina.POST('/api/runs/{id}/stages/{stage}/approve', gate);
    expect(refused.response.status).toBe(403);
    expect(refused.error?.error.message).toBe('this needs the "approve" role; tina has trigger, read');
    // ann wrote the commit (the repository's e-mail, in other case): she may not approve it.
    const author = await gantry(
      ['token', 'create', '--name', 'ann', '--role', 'approve', '--role', 'release', '--email', 'TEST@gantry.invalid'],
      farm.adminToken,
    );
    const ann = api(farm.controller.httpUrl, author.stdout.trim());
    const selfApproval = await ann.POST('/api/runs/{id}/stages/{stage}/approve', gate);
    expect(selfApproval.response.status).toBe(403);
    expect(selfApproval.error?.error.message).toBe(
      'ann (TEST@gantry.invalid) authored this commit; the gate of stage "deploy" does not allow self-approval',
    );
    expect((await paul.POST('/api/runs/{id}/stages/{stage}/approve', gate)).response.status).toBe(200);
    const finished = await tina.waitForRun(runId, (run) => run.status === 'succeeded' || run.status === 'failed');
    expect(finished.status, farmLogs(farm)).toBe('succeeded');

    const trail = await tina.GET('/api/audit', { params: { query: { runId } } });
    expect(trail.data?.events.map((event) => [event.action, event.actor, event.sourceAddress])).toEqual([
      ['approve', 'paul', '127.0.0.1'],
      ['approval_refused', 'ann', '127.0.0.1'],
      ['trigger', 'tina', '127.0.0.1'],
    ]);

    // The same trail with the CLI, a page at a time.
    const [approved, refusedAgain, triggered] = trail.data?.events ?? [];
    const firstPage = await gantry(['audit', '--run', runId, '--limit', '2'], tinaToken);
    const [header, ...lines] = firstPage.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID +WHEN +ACTOR +ACTION +RUN +DETAILS$/);
    expect(lines.map((line) => line.split(/ {2,}/).slice(0, 5))).toEqual([
      [String(approved?.id), expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/), 'paul', 'approve', runId],
      [String(refusedAgain?.id), expect.any(String), 'ann', 'approval_refused', runId],
    ]);
    expect(firstPage.stderr).toBe(`older events: gantry audit --run ${runId} --limit 2 --before ${refusedAgain?.id}\n`);
    const lastPage = await gantry(
      ['audit', '--run', runId, '--limit', '2', '--before', String(refusedAgain?.id), '--json'],
      tinaToken,
    );
    expect(JSON.parse(lastPage.stdout)).toEqual({ events: [triggered], next: null });

    const revoked = await gantry(['token', 'revoke', 'tina'], farm.adminToken);
    expect(revoked.stdout).toBe('revoked token tina\n');
    expect((await tina.GET('/api/runs')).response.status).toBe(401);
    const listed = await gantry(['token', 'list', '--json'], farm.adminToken);
    expect(JSON.parse(listed.stdout)).toEqual({
      tokens: [
        expect.objectContaining({ name: 'ann', roles: ['approve', 'release'] }),
        expect.objectContaining({ name: 'paul', roles: ['approve'] }),
      ],
    });

    let dumped = '';
    const tables = await database.query<{ schema: string; name: string }>(
      `select table_schema as schema, table_name as name from information_schema.tables
       where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
    );
    for (const { schema, name } of tables.rows) {
      const quoted = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
      const rows = await database.query<{ row: string }>(`select row_to_json(t)::text as row from ${quoted} t`);
      dumped += rows.rows.map((row) => row.row).join('\n');
    }
    expect(dumped).toContain('paul@example.com');
    for (const token of [tinaToken, paulToken]) expect(dumped).not.toContain(token.slice('gantry_'.length));
  });

  it.each([
    ['UPDATE', "update audit_events set actor = 'mallory'"],
    ['DELETE', 'delete from audit_events'],
    ['DELETE', 'delete from audit_events where id = -1'],
    ['TRUNCATE', 'truncate audit_events'],
  ])('the database refuses %s on audit_events: %s', async (operation, statement) => {
    const before = await database.query('select count(*)::int as count from audit_events');
    await expect(database.query(statement)).rejects.toThrow(`audit_events is append-only: ${operation} is refused`);
    const after = await database.query('select count(*)::int as count from audit_events');
    expect(after.rows[0].count).toBe(before.rows[0].count);
    expect(before.rows[0].count).toBeGreaterThan(0);
  });
});
