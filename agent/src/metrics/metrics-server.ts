/**
 * The agent's optional HTTP port (node:http, no framework): `GET /metrics`
 * (Prometheus text) and `GET /healthz` — 200 while the agent is registered
 * and connected to both the controller and NATS, 503 otherwise, with the
 * checks as JSON. Anything else is 404; methods other than GET/HEAD are 405.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AgentMetrics, AgentState } from './agent-metrics.js';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export function agentHealth(state: AgentState) {
  const checks = {
    registered: state.registered(),
    controller: state.controllerConnected() ? 'connected' : 'disconnected',
    nats: state.natsConnected() ? 'connected' : 'disconnected',
  };
  const ok = checks.registered && checks.controller === 'connected' && checks.nats === 'connected';
  return { ok, checks };
}

/** Listens on host:port (0 = any free port); rejects when the port cannot be bound. */
export function startMetricsServer(options: {
  host: string;
  port: number;
  metrics: AgentMetrics;
  state: AgentState;
  logger: Logger;
}): Promise<MetricsServer> {
  const { metrics, state, logger } = options;
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, contentType: string, body: string) => {
      response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(405, 'text/plain; charset=utf-8', 'only GET\n');
    } else if (path === '/metrics') {
      metrics.registry.metrics().then(
        (body) => send(200, metrics.registry.contentType, body),
        (error: Error) => {
          logger.error({ err: error.message }, 'metrics scrape failed');
          send(500, 'text/plain; charset=utf-8', 'metrics scrape failed\n');
        },
      );
    } else if (path === '/healthz') {
      const health = agentHealth(state);
      send(
        health.ok ? 200 : 503,
        'application/json',
        JSON.stringify({ status: health.ok ? 'ok' : 'degraded', checks: health.checks }),
      );
    } else {
      send(404, 'text/plain; charset=utf-8', 'not found: try /metrics or /healthz\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new Error(`cannot serve agent metrics on ${options.host}:${options.port}: ${error.message}`, { cause: error }),
      ),
    );
    server.listen(options.port, options.host, () => {
      server.removeAllListeners('error');
      const { port } = server.address() as AddressInfo;
      logger.info({ host: options.host, port }, 'agent metrics listening');
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
