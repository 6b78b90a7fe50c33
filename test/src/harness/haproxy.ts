/**
 * HAProxy on loopback in front of controller replicas, configured from the
 * example the repository ships (deploy/load-balancer/haproxy.cfg) with only
 * the addresses changed, so a test of it is a test of that example.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, startChild } from '@gantry/common';
import { CapturedOutput } from './captured-output.js';
import { findFreePort } from './free-port.js';

const exampleConfig = fileURLToPath(new URL('../../../deploy/load-balancer/haproxy.cfg', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export interface BalancedController {
  /** `http://127.0.0.1:PORT` */
  httpUrl: string;
  /** `127.0.0.1:PORT` */
  grpcAddress: string;
}

export interface LoadBalancer {
  /** The balancer's HTTP front: `http://127.0.0.1:PORT`. */
  readonly httpUrl: string;
  /** The balancer's gRPC (TCP) front for agents: `127.0.0.1:PORT`. */
  readonly grpcAddress: string;
  logs(): string;
  stop(): Promise<void>;
}

/** The shipped example with its two `controller-N` servers and `:8080`/`:7070` binds pointed at loopback, and a small maxconn. */
export function loopbackConfig(
  example: string,
  controllers: readonly [BalancedController, BalancedController],
  ports: { http: number; grpc: number },
): string {
  let config = example
    // Each connection takes two descriptors; a test machine's limit may be below 2 × 20000.
    .replace(/maxconn \d+/, 'maxconn 1000')
    .replace('bind :8080', `bind 127.0.0.1:${ports.http}`)
    .replace('bind :7070', `bind 127.0.0.1:${ports.grpc}`);
  controllers.forEach((controller, index) => {
    const name = `controller-${index + 1}`;
    const httpHostPort = new URL(controller.httpUrl).host;
    const httpPort = new URL(controller.httpUrl).port;
    config = config
      .replace(`${name}:8080 check`, `${httpHostPort} check`)
      .replace(`${name}:7070 check port 8080`, `${controller.grpcAddress} check port ${httpPort}`);
  });
  const settings = config.replace(/#.*$/gm, '');
  if (/controller-\d:\d+|bind :/.test(settings))
    throw new Error('haproxy example changed: an address was left unreplaced');
  return config;
}

export async function startLoadBalancer(
  controllers: readonly [BalancedController, BalancedController],
): Promise<LoadBalancer> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-haproxy-'));
  const ports = { http: await findFreePort(), grpc: await findFreePort() };
  const configPath = join(dir, 'haproxy.cfg');
  await writeFile(configPath, loopbackConfig(await readFile(exampleConfig, 'utf8'), controllers, ports));
  const output = new CapturedOutput(200_000);
  const child: Child = startChild('haproxy', ['-db', '-f', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  output.capture(child.process.stdout);
  output.capture(child.process.stderr);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!((await accepts(ports.http)) && (await accepts(ports.grpc)))) {
    if (child.exitReason() !== undefined || Date.now() > deadline) {
      await child.kill9();
      throw new Error(`haproxy did not start (${child.exitReason() ?? 'timed out'}):\n${output.text()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    httpUrl: `http://127.0.0.1:${ports.http}`,
    grpcAddress: `127.0.0.1:${ports.grpc}`,
    logs: () => output.text(),
    async stop() {
      await child.stop({ graceMs: 2_000 });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
