/** Starts the gRPC server agents call; resolves with the bound port. */

import { agentServiceDefinition, MAX_MESSAGE_BYTES } from '@gantry/proto';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { type AgentServiceDeps, createAgentService } from './agent-service.js';

export interface GrpcServerHandle {
  port: number;
  /** Stops accepting calls, lets calls in flight finish (bounded), then closes. */
  close(graceMs?: number): Promise<void>;
}

export async function startGrpcServer(
  deps: AgentServiceDeps,
  /** With `tls` (PEM chain and key) it serves TLS only. */
  options: { host: string; port: number; tls?: { cert: Buffer; key: Buffer } | undefined },
): Promise<GrpcServerHandle> {
  const server = new Server({
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    // The agent's client sets the same: what one side sends, the other accepts.
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  server.addService(agentServiceDefinition(), createAgentService(deps));
  const credentials = options.tls
    ? ServerCredentials.createSsl(null, [{ cert_chain: options.tls.cert, private_key: options.tls.key }], false)
    : ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, credentials, (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  return {
    port,
    close: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        deps.openStreams.endAll();
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
