/**
 * An attacker's side of the agent protocol: a raw gRPC client on the proto
 * (no agent code), presenting whatever secret it holds. Each call resolves
 * with the answer or the status it was refused with.
 */
import { type AgentServiceClient, agentServiceClientConstructor, type LogChunk, PROTOCOL_VERSION } from '@gantry/proto';
import * as grpc from '@grpc/grpc-js';

export type Outcome<T> = { ok: true; value: T } | { ok: false; code: string; details: string };

export interface AgentWire {
  call<T>(method: string, request: unknown, secret: string): Promise<Outcome<T>>;
  /** Opens a Connect stream; resolves with its end: refused with a status, or ended by the test after `connected`. */
  connect(agentId: string, secret: string): Promise<Outcome<'connected'>>;
  /** Sends `chunks` on one StreamLogs call and ends it; resolves with the answer or the refusal. */
  streamLogs(chunks: LogChunk[], secret: string): Promise<Outcome<unknown>>;
  close(): void;
}

export const protocolVersion = PROTOCOL_VERSION;

export function agentWire(address: string): AgentWire {
  const Client = agentServiceClientConstructor();
  const client = new Client(address, grpc.credentials.createInsecure()) as unknown as AgentServiceClient;
  const metadata = (secret: string) => {
    const m = new grpc.Metadata();
    m.set('authorization', `Bearer ${secret}`);
    return m;
  };
  const refused = (error: grpc.ServiceError) =>
    ({ ok: false, code: grpc.status[error.code] ?? String(error.code), details: error.details }) as const;
  return {
    call: (method, request, secret) =>
      new Promise((resolve) => {
        const invoke = (client as unknown as Record<string, (...args: unknown[]) => void>)[method];
        if (!invoke) throw new Error(`no method ${method}`);
        invoke.call(
          client,
          request,
          metadata(secret),
          { deadline: Date.now() + 15_000 },
          (error: grpc.ServiceError | null, value: unknown) =>
            resolve(error ? refused(error) : ({ ok: true, value } as never)),
        );
      }),
    connect: (agentId, secret) =>
      new Promise((resolve) => {
        const stream = client.connect({ agentId }, metadata(secret));
        stream.on('data', () => {
          resolve({ ok: true, value: 'connected' });
          stream.cancel();
        });
        stream.on('error', (error: grpc.ServiceError) => resolve(refused(error)));
        stream.on('end', () => resolve({ ok: false, code: 'ENDED', details: '' }));
      }),
    streamLogs: (chunks, secret) =>
      new Promise((resolve) => {
        const stream = client.streamLogs(
          metadata(secret),
          { deadline: Date.now() + 15_000 },
          (error: grpc.ServiceError | null, value: unknown) =>
            resolve(error ? refused(error) : ({ ok: true, value } as never)),
        );
        for (const chunk of chunks) stream.write(chunk);
        stream.end();
      }),
    close: () => client.close(),
  };
}
