/**
 * The agent gRPC service over a TestApp's database and exchanges, for tests
 * that call its handlers directly (without a gRPC server). Connect needs
 * presence and is exercised end to end instead.
 */
import pino from 'pino';
import { type AgentServiceDeps, createAgentService } from '../grpc/agent-service.js';
import { OpenStreams } from '../grpc/open-streams.js';
import { SecretVault } from '../secret-store/secret-vault.js';
import type { TestApp } from './api-test-app.js';

export const testAgentToken = 'agent-token-for-handler-tests';

export function testAgentService(testApp: TestApp, overrides: Partial<AgentServiceDeps> = {}) {
  return createAgentService({
    db: testApp.database.db,
    lifecycle: testApp.lifecycle,
    artifacts: testApp.artifacts,
    caches: testApp.caches,
    presence: undefined as never,
    openStreams: new OpenStreams(),
    agentToken: testAgentToken,
    secrets: new SecretVault(undefined),
    heartbeatIntervalMs: 1000,
    leaseTtlMs: 30_000,
    log: pino({ level: 'silent' }),
    ...overrides,
  });
}
