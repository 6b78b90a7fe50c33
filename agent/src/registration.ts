/**
 * Register with the controller (protocol step 1). Retries with backoff while
 * the controller cannot be reached; a refusal (protocol version, token) is final.
 */
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { backoffDelayMs } from '@gantry/common';
import { PROTOCOL_VERSION, type RegisterResponse__Output } from '@gantry/proto';
import type { Logger } from 'pino';
import { ControllerCallError, type ControllerClient } from './controller-client.js';
import { sleep } from './sleep.js';

/** The agent package's version, sent at Register for the agents page. */
export const agentVersion: string = createRequire(import.meta.url)('../package.json').version;

export class RegistrationRefusedError extends Error {
  override name = 'RegistrationRefusedError';
  readonly code: 'VERSION_MISMATCH' | 'UNAUTHENTICATED' | 'REFUSED';

  constructor(code: RegistrationRefusedError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export interface AgentIdentity {
  name: string;
  queues: string[];
  slots: number;
}

/** Resolves with the registration, or rejects with RegistrationRefusedError or the signal's reason. */
export async function registerAgent(
  controller: ControllerClient,
  identity: AgentIdentity,
  logger: Logger,
  signal: AbortSignal,
): Promise<RegisterResponse__Output> {
  const request = { protocolVersion: PROTOCOL_VERSION, ...identity, hostname: hostname(), agentVersion };
  for (let attempt = 1; ; attempt++) {
    try {
      return await controller.register(request);
    } catch (error) {
      if (!(error instanceof ControllerCallError)) throw error;
      if (error.code === 'FAILED_PRECONDITION') {
        throw new RegistrationRefusedError(
          'VERSION_MISMATCH',
          `controller refused agent protocol version ${PROTOCOL_VERSION}: ${error.message}`,
          { cause: error },
        );
      }
      if (error.code === 'UNAUTHENTICATED' || error.code === 'PERMISSION_DENIED') {
        throw new RegistrationRefusedError(
          'UNAUTHENTICATED',
          `controller refused the agent token (check --token / GANTRY_AGENT_TOKEN): ${error.message}`,
          { cause: error },
        );
      }
      if (error.code === 'INVALID_ARGUMENT') {
        throw new RegistrationRefusedError('REFUSED', `controller refused registration: ${error.message}`, {
          cause: error,
        });
      }
      const delayMs = backoffDelayMs(attempt, { initialDelayMs: 200, maxDelayMs: 5000 });
      logger.warn({ attempt, delayMs, err: error.message }, 'register failed, retrying');
      await sleep(delayMs, signal);
    }
  }
}
