/**
 * openAgentSession on PGlite: of two Connect calls of one agent, the one
 * begun later holds the session whichever opens it first; a stale call never
 * replaces it, so closing the stale call leaves the agent connected.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolTestAgent } from '../testing/enrolled-agent.js';
import { openTestDatabase } from '../testing/test-database.js';
import { closeAgentSession, findAgent, isSessionCurrent, openAgentSession } from './agents-repository.js';
import type { OpenDatabase } from './database.js';

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
