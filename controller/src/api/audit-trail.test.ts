/**
 * The audit trail cannot be rewritten, even by the controller's own database
 * user, and no token secret is stored anywhere in the database.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../store/database.js';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';

const pipeline = 'name: ids\nstages:\n  - name: build\n    jobs:\n      - { name: compile, steps: [make] }\n';
const asAdmin = { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' };

describe('audit trail on PGlite', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit_events in the database', async () => {
    const created = await testApp.app.request('/api/tokens', {
      method: 'POST',
      headers: asAdmin,
      body: JSON.stringify({ name: 'alice', roles: ['read'] }),
    });
    expect(created.status).toBe(201);
    const db = testApp.database.db;
    for (const statement of [
      sql`update audit_events set actor = 'mallory'`,
      sql`delete from audit_events`,
      sql`delete from audit_events where id = -1`,
      sql`truncate audit_events`,
    ]) {
      const refusal = await db.execute(statement).then(
        () => 'accepted',
        // drizzle wraps the database's error; the database's own message is the cause.
        (error: Error) => String((error.cause as Error | undefined)?.message),
      );
      expect(refusal).toMatch(/^audit_events is append-only: (UPDATE|DELETE|TRUNCATE) is refused$/);
    }
    const rows = await queryRows<{ actor: string; action: string }>(db, sql`select actor, action from audit_events`);
    expect(rows).toEqual([{ actor: 'admin', action: 'token.create' }]);
  });

  it('stores no token secret in any column of any table', async () => {
    const secrets: string[] = [];
    for (const [name, roles] of [
      ['reader', ['read']],
      ['shipper', ['trigger', 'approve']],
    ] as const) {
      const response = await testApp.app.request('/api/tokens', {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ name, roles, email: `${name}@example.com`, expiresIn: '1d' }),
      });
      const { token } = (await response.json()) as { token: string };
      secrets.push(token);
      const triggered = await testApp.app.request('/api/runs', {
        method: 'POST',
        headers: { ...asAdmin, authorization: `Bearer ${token}` },
        body: JSON.stringify({ repo: testApp.repo, ref: 'main' }),
      });
      expect(triggered.status).toBe(name === 'shipper' ? 201 : 403);
    }
    await testApp.scheduler.settle();
    const db = testApp.database.db;
    const tables = await queryRows<{ schema: string; name: string }>(
      db,
      sql`select table_schema as schema, table_name as name from information_schema.tables
          where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
    );
    expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(['api_tokens', 'audit_events', 'runs']));
    let dumped = '';
    for (const table of tables) {
      const rows = await queryRows<{ row: string }>(
        db,
        sql`select row_to_json(t)::text as row from ${sql.identifier(table.schema)}.${sql.identifier(table.name)} t`,
      );
      dumped += rows.map((row) => row.row).join('\n');
    }
    expect(dumped).toContain('shipper@example.com');
    for (const secret of secrets) {
      expect(dumped).not.toContain(secret);
      expect(dumped).not.toContain(secret.slice('gantry_'.length));
    }
    const logs = JSON.stringify(testApp.logLines());
    for (const secret of secrets) expect(logs).not.toContain(secret.slice('gantry_'.length));
  });
});
