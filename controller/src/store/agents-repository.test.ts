/**
 * openAgentSession on PGlite: of two Connect calls of one agent, the one
 * begun later holds the session whichever opens it first; a stale call never
 * replaces it, so closing the stale call leaves the agent connected.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolTestAgent } from '../testing/enrolled-agent.js';
import { openTestDatabase } from '../testing/test-database.js';
import { revokeAgent } from './agent-credentials-repository.js';
import { closeAgentSession, findAgent, isSessionCurrent, openAgentSession } from './agents-repository.js';
import type { OpenDatabase } from './database.js';
import { agents } from './schema.js';

/** How long ago a call began, in ms: minutes apart, so no clock resolution can blur their order. */
const begunAgo = (minutes: number) => () => minutes * 60_000;

describe('openAgentSession', () => {
  let dir: string;
  let database: OpenDatabase;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-agent-sessions-'));
    database = await openTestDatabase(join(dir, 'pglite'));
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not let a call begun earlier replace the session a later call opened first', async () => {
    const db = database.db;
    const { agentId } = await enrolTestAgent(db, { name: 'reconnected-agent' });
    // The agent left slow replica A during authentication and came back on B, which opened its session first.
    expect(await openAgentSession(db, agentId, 'session-on-b', begunAgo(1))).toBe('opened');
    expect(await openAgentSession(db, agentId, 'session-on-a', begunAgo(2))).toBe('superseded');

    // A closes its call (the agent is gone from it): B's session stays, the agent stays connected.
    await closeAgentSession(db, agentId, 'session-on-a');
    expect(await isSessionCurrent(db, agentId, 'session-on-b')).toBe(true);
    expect(await findAgent(db, agentId)).toMatchObject({ connected: true, disconnectedAt: null });

    // A call begun later than B's replaces it as usual.
    expect(await openAgentSession(db, agentId, 'session-on-c', begunAgo(0))).toBe('opened');
    expect(await isSessionCurrent(db, agentId, 'session-on-c')).toBe(true);
  });

  it('tells an unknown agent', async () => {
    expect(await openAgentSession(database.db, randomUUID(), 'session', begunAgo(0))).toBe('unknown_agent');
  });
});

describe('revokeAgent', () => {
  let dir: string;
  let database: OpenDatabase;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-agent-revoke-'));
    database = await openTestDatabase(join(dir, 'pglite'));
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('revokes the agent with the id given, not one named like that id', async () => {
    const db = database.db;
    const target = await enrolTestAgent(db, { name: 'build-7' });
    // Enrolled under a name equal to the other's id, before it or after it.
    const lookalike = await enrolTestAgent(db, { name: target.agentId });
    // The target's row written since (a reconnect does): a scan now meets the lookalike first.
    await db.update(agents).set({ hostname: 'reconnected' }).where(eq(agents.id, target.agentId));
    const outcome = await db.transaction((tx) => revokeAgent(tx, target.agentId));
    expect(outcome).toEqual({ id: target.agentId, name: 'build-7', alreadyRevoked: false });
    expect((await findAgent(db, lookalike.agentId))?.revoked).toBe(false);
  });
});
