/**
 * The server side of Connect: a session that cannot be recorded ends the
 * agent's call with a status (over a real gRPC server and client, since the
 * bug was grpc-js sending none), and a call the agent left while it was being
 * authenticated opens no session and is not kept open.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentServiceClientConstructor, type ControllerEvent, DATABASE_UNAVAILABLE_DETAIL } from '@gantry/proto';
import { credentials, Metadata, type StatusObject, status } from '@grpc/grpc-js';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AgentPresence } from '../scheduler/agent-presence.js';
import type { Database, OpenDatabase } from '../store/database.js';
import { type EnrolledAgent, enrolTestAgent } from '../testing/enrolled-agent.js';
import { openTestDatabase } from '../testing/test-database.js';
import { CONNECT_ALIVE_INTERVAL_MS, handleConnect } from './connect-stream.js';
import { OpenStreams } from './open-streams.js';
import { startGrpcServer } from './server.js';

const log = pino({ level: 'silent' });

/** A database every query fails on, as when the pool cannot get a connection (after failover, say). */
const awayDatabase = new Proxy(
  {},
  {
    get: () => () => {
      throw new Error('timeout exceeded when trying to connect');
    },
  },
) as Database;

/** Presence that records the sessions asked for and answers `session` (null: the agent is unknown). */
function recordingPresence(session: string | null) {
  const opened: string[] = [];
  return {
    opened,
    connected: async (agentId: string) => {
      opened.push(agentId);
      return session;
    },
    disconnected: () => {},
  };
}

describe('Connect over gRPC', () => {
  let dir: string;
  let database: OpenDatabase;
  let agent: EnrolledAgent;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-connect-'));
    database = await openTestDatabase(join(dir, 'pglite'));
    agent = await enrolTestAgent(database.db, { name: 'connect-agent' });
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Serves Connect with `presence` (authenticating against the test database); resolves with the call's status. */
  async function connectStatus(presence: Pick<AgentPresence, 'connected' | 'disconnected'>): Promise<StatusObject> {
    const server = await startGrpcServer(
      {
        db: database.db,
        presence: presence as AgentPresence,
        openStreams: new OpenStreams(),
        log,
        agentToken: 'unused',
        heartbeatIntervalMs: 1000,
        leaseTtlMs: 30_000,
        lifecycle: undefined as never,
        artifacts: undefined as never,
        caches: undefined as never,
        secrets: undefined as never,
      },
      { host: '127.0.0.1', port: 0 },
    );
    const client = new (agentServiceClientConstructor())(`127.0.0.1:${server.port}`, credentials.createInsecure());
    try {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${agent.credential}`);
      const call = client.connect({ agentId: agent.agentId }, metadata);
      call.on('error', () => {}); // reported through 'status'
      // Before the fix no status ever came: the test fails by its own timeout.
      return await new Promise<StatusObject>((resolve) => call.on('status', resolve));
    } finally {
      client.close();
      await server.close();
    }
  }

  it('ends the call with UNAVAILABLE when the database fails between authentication and the session', async () => {
    const presence = new AgentPresence({
      db: awayDatabase,
      reaper: { reapAgent: async () => 0 },
      log,
      reconnectGraceMs: 1000,
      leaseTtlMs: 30_000,
    });
    expect(await connectStatus(presence)).toMatchObject({
      code: status.UNAVAILABLE,
      details: DATABASE_UNAVAILABLE_DETAIL,
    });
  });

  it('ends the call with NOT_FOUND when the agent is gone by the time its session opens', async () => {
    expect(await connectStatus(recordingPresence(null))).toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringContaining('register again'),
    });
  });
});

/** A Connect call as grpc-js hands it over; cancel() does what grpc-js does when the agent goes away. */
class FakeConnectCall extends EventEmitter {
  readonly request = { agentId: 'agent-1' };
  readonly written: ControllerEvent[] = [];
  cancelled = false;
  destroyed = false;
  endedByServer = false;
  #wrote: () => void = () => {};
  /** Resolves once the server wrote to the call (its "connected"). */
  readonly firstWrite = new Promise<void>((resolve) => {
    this.#wrote = resolve;
  });
  write(event: ControllerEvent): boolean {
    this.written.push(event);
    this.#wrote();
    return true;
  }
  end(): void {
    this.endedByServer = true;
  }
  cancel(): void {
    this.cancelled = true;
    this.emit('cancelled', 'cancelled');
    this.destroyed = true;
    this.emit('close');
  }
}

describe('Connect cancelled during authentication', () => {
  it('opens no session and is not kept among the open streams', () => {
    const call = new FakeConnectCall();
    const presence = recordingPresence('session-1');
    const streams = new OpenStreams();
    // The agent left (for another replica, say) while its credential was being checked.
    call.cancel();
    handleConnect(call as never, () => 0, { presence, streams, log });

    expect(presence.opened).toEqual([]);
    streams.endAll();
    expect(call.endedByServer).toBe(false);
    expect(call.written).toEqual([]);
  });

  it('opens the session of a call still open, and shutdown ends it', async () => {
    const call = new FakeConnectCall();
    const presence = recordingPresence('session-1');
    const streams = new OpenStreams();
    handleConnect(call as never, () => 0, { presence, streams, log });

    await call.firstWrite;
    expect(presence.opened).toEqual(['agent-1']);
    expect(call.written).toEqual([{ kind: 'connected', aliveIntervalMs: CONNECT_ALIVE_INTERVAL_MS }]);
    streams.endAll();
    expect(call.endedByServer).toBe(true);
  });
});

describe('Connect while the session is open', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('says "alive" at the interval it announced, and nothing once the agent left', async () => {
    vi.useFakeTimers();
    const call = new FakeConnectCall();
    handleConnect(call as never, () => 0, {
      presence: recordingPresence('session-1'),
      streams: new OpenStreams(),
      log,
      aliveIntervalMs: 200,
    });
    await call.firstWrite;
    vi.advanceTimersByTime(600);
    expect(call.written).toEqual([
      { kind: 'connected', aliveIntervalMs: 200 },
      { kind: 'alive' },
      { kind: 'alive' },
      { kind: 'alive' },
    ]);
    call.cancel();
    vi.advanceTimersByTime(1000);
    expect(call.written).toHaveLength(4);
  });
});
