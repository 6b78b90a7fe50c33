/**
 * Enrol and register with the controller (protocol steps 0 and 1). The agent
 * enrols once, with its enrolment token, and keeps the credential it receives
 * (credential-file.ts); every start registers with that credential. Both calls
 * are retried with backoff while the controller cannot be reached; a refusal
 * (protocol version, token, credential, revoked agent) is final, except that a
 * saved credential the controller does not know (its database was replaced)
 * makes the agent enrol afresh once.
 */
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { backoffDelayMs } from '@gantry/common';
import { PROTOCOL_VERSION, type RegisterResponse__Output } from '@gantry/proto';
import type { Logger } from 'pino';
import { ControllerCallError, type ControllerClient } from './controller-client.js';
import { readCredential, writeCredential } from './credential-file.js';
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

/** Where the agent's credential comes from. */
export interface AgentCredentials {
  /** The enrolment token (`--token` / GANTRY_AGENT_TOKEN), used only when there is no credential yet. */
  enrolmentToken: string;
  /** The credential file (0600). */
  file: string;
}

/**
 * Resolves with the registration, or rejects with RegistrationRefusedError or
 * the signal's reason. Leaves `controller` using the agent's credential.
 */
export async function registerAgent(
  controller: ControllerClient,
  identity: AgentIdentity,
  credentials: AgentCredentials,
  logger: Logger,
  signal: AbortSignal,
): Promise<RegisterResponse__Output> {
  const saved = await readCredential(credentials.file, identity.name);
  controller.useCredential(saved ?? (await enrol(controller, identity, credentials, logger, signal)));
  const request = { protocolVersion: PROTOCOL_VERSION, ...identity, hostname: hostname(), agentVersion };
  try {
    return await retried('register', () => controller.register(request), logger, signal);
  } catch (error) {
    const unknownCredential = error instanceof ControllerCallError && error.code === 'UNAUTHENTICATED';
    if (!(saved && unknownCredential)) throw refusal('register', error);
    logger.warn({ err: error.message }, 'controller does not know the saved credential, enrolling again');
  }
  controller.useCredential(await enrol(controller, identity, credentials, logger, signal));
  try {
    return await retried('register', () => controller.register(request), logger, signal);
  } catch (error) {
    throw refusal('register', error);
  }
}

/** Enrols with the enrolment token and saves the credential; resolves with it. */
async function enrol(
  controller: ControllerClient,
  identity: AgentIdentity,
  credentials: AgentCredentials,
  logger: Logger,
  signal: AbortSignal,
): Promise<string> {
  const request = {
    protocolVersion: PROTOCOL_VERSION,
    name: identity.name,
    queues: identity.queues,
    hostname: hostname(),
  };
  let enrolment: Awaited<ReturnType<ControllerClient['enrol']>>;
  try {
    enrolment = await retried('enrol', () => controller.enrol(request, credentials.enrolmentToken), logger, signal);
  } catch (error) {
    throw refusal('enrol', error);
  }
  await writeCredential(credentials.file, identity.name, enrolment.credential);
  logger.info({ agentId: enrolment.agentId, file: credentials.file }, 'agent enrolled, credential saved');
  return enrolment.credential;
}

/** Retries `call` while the controller cannot be reached; rethrows any answer that is a refusal. */
async function retried<T>(what: string, call: () => Promise<T>, logger: Logger, signal: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ControllerCallError)) throw error;
      if (['FAILED_PRECONDITION', 'UNAUTHENTICATED', 'PERMISSION_DENIED', 'INVALID_ARGUMENT'].includes(error.code)) {
        throw error;
      }
      const delayMs = backoffDelayMs(attempt, { initialDelayMs: 200, maxDelayMs: 5000 });
      logger.warn({ attempt, delayMs, err: error.message }, `${what} failed, retrying`);
      await sleep(delayMs, signal);
    }
  }
}

function refusal(what: 'enrol' | 'register', error: unknown): unknown {
  if (!(error instanceof ControllerCallError)) return error;
  if (error.code === 'FAILED_PRECONDITION') {
    return new RegistrationRefusedError(
      'VERSION_MISMATCH',
      `controller refused agent protocol version ${PROTOCOL_VERSION}: ${error.message}`,
      { cause: error },
    );
  }
  if (error.code === 'UNAUTHENTICATED') {
    const hint = what === 'enrol' ? 'the enrolment token (check --token / GANTRY_AGENT_TOKEN)' : 'the agent credential';
    return new RegistrationRefusedError('UNAUTHENTICATED', `controller refused ${hint}: ${error.message}`, {
      cause: error,
    });
  }
  return new RegistrationRefusedError('REFUSED', `controller refused to ${what} this agent: ${error.message}`, {
    cause: error,
  });
}
