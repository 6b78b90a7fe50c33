/** The agent's own /metrics and /healthz over real HTTP. */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentMetrics } from './agent-metrics.js';
import { type MetricsServer, startMetricsServer } from './metrics-server.js';

function fakeState() {
  return {
    slots: 4,
    busy: 1,
    registeredNow: true,
    controller: true,
    nats: true,
    busySlots() {
      return this.busy;
    },
    registered() {
      return this.registeredNow;
    },
    controllerConnected() {
      return this.controller;
    },
    natsConnected() {
      return this.nats;
    },
  };
}

describe('the agent metrics server', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(state = fakeState()) {
    const metrics = new AgentMetrics(state);
    server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      metrics,
      state,
      logger: pino({ level: 'silent' }),
    });
    const get = (path: string, method = 'GET') => fetch(`http://127.0.0.1:${server?.port}${path}`, { method });
    return { metrics, state, get };
  }

  it('exposes slots, connection states, jobs and claims in Prometheus text', async () => {
    const { metrics, get } = await start();
    metrics.jobEnded('succeeded');
    metrics.jobEnded('succeeded');
    metrics.jobEnded('lease_lost');
    metrics.claimAnswered('granted', 0.004);
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('gantry_agent_slots 4');
    expect(text).toContain('gantry_agent_slots_busy 1');
    expect(text).toContain('gantry_agent_controller_connected 1');
    expect(text).toContain('gantry_agent_nats_connected 1');
    expect(text).toContain('gantry_agent_jobs_total{result="succeeded"} 2');
    expect(text).toContain('gantry_agent_jobs_total{result="lease_lost"} 1');
    expect(text).toContain('gantry_agent_claim_duration_seconds_count{outcome="granted"} 1');
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
  });

  it('is healthy only while registered and connected to the controller and NATS', async () => {
    const { state, get } = await start();
    const healthy = await get('/healthz');
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toEqual({
      status: 'ok',
      checks: { registered: true, controller: 'connected', nats: 'connected' },
    });
    state.nats = false;
    const degraded = await get('/healthz');
    expect(degraded.status).toBe(503);
    expect(await degraded.json()).toMatchObject({ status: 'degraded', checks: { nats: 'disconnected' } });
    state.nats = true;
    state.registeredNow = false;
    expect((await get('/healthz')).status).toBe(503);
  });

  it('answers 404 elsewhere and 405 to anything but GET', async () => {
    const { get } = await start();
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/metrics', 'POST')).status).toBe(405);
  });

  it('names the address when the port is taken', async () => {
    const { metrics, state } = await start();
    const taken = server?.port ?? 0;
    await expect(
      startMetricsServer({ host: '127.0.0.1', port: taken, metrics, state, logger: pino({ level: 'silent' }) }),
    ).rejects.toThrow(`cannot serve agent metrics on 127.0.0.1:${taken}: listen EADDRINUSE`);
  });
});
