/**
 * Enrolment and registration against an in-process gRPC controller: the
 * credential is saved once and reused, an unknown saved credential makes the
 * agent enrol again, and a refusal is final.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ControllerClient, createControllerClient } from './controller-client.js';
import { registerAgent } from './registration.js';
import { FakeController } from './testing/fake-controller.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-registration-'));
const identity = { name: 'builder-1', queues: ['linux'], slots: 2 };
const logger = pino({ level: 'silent' });
let controller: FakeController;
let client: ControllerClient;
let file = '';
let counter = 0;

afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(async () => {
  controller = new FakeController();
  await controller.start();
  client = createControllerClient({ addresses: [controller.address], token: '' });
  file = join(root, `credential-${++counter}`);
});
afterEach(async () => {
  client.close();
  await controller.stop();
});

const register = () =>
  registerAgent(client, identity, { enrolmentToken: 'enrol-me', file }, logger, new AbortController().signal);
const authorizations = (method: 'Enrol' | 'Register') =>
  controller.calls.flatMap((call) => (call.method === method ? [call.authorization] : []));

describe('registerAgent', () => {
  it('enrols once with the token, saves the credential 0600 and registers with it', async () => {
    await register();
    expect(authorizations('Enrol')).toEqual(['Bearer enrol-me']);
    expect(authorizations('Register')).toEqual(['Bearer credential-builder-1']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ name: 'builder-1', credential: 'credential-builder-1' });
  });

  it('reuses the saved credential on the next start', async () => {
    await register();
    await register();
    expect(controller.count('Enrol')).toBe(1);
    expect(authorizations('Register')).toEqual(['Bearer credential-builder-1', 'Bearer credential-builder-1']);
  });

  it('does not use a credential saved for another agent name', async () => {
    writeFileSync(file, JSON.stringify({ name: 'someone-else', credential: 'theirs' }), { mode: 0o644 });
    await register();
    expect(controller.count('Enrol')).toBe(1);
    expect(authorizations('Register')).toEqual(['Bearer credential-builder-1']);
  });

  it('enrols again when the controller does not know the saved credential', async () => {
    writeFileSync(file, JSON.stringify({ name: 'builder-1', credential: 'forgotten' }), { mode: 0o600 });
    // The Register being answered is the last call recorded.
    controller.register = () =>
      (controller.calls.at(-1) as { authorization?: string }).authorization === 'Bearer forgotten'
        ? { error: grpc.status.UNAUTHENTICATED, details: 'unknown agent credential' }
        : { agentId: 'agent-2' };
    const registration = await register();
    expect(registration.agentId).toBe('agent-2');
    expect(authorizations('Register')).toEqual(['Bearer forgotten', 'Bearer credential-builder-1']);
    expect(JSON.parse(readFileSync(file, 'utf8')).credential).toBe('credential-builder-1');
  });

  it('gives up when the controller refuses the agent (revoked), without enrolling again', async () => {
    writeFileSync(file, JSON.stringify({ name: 'builder-1', credential: 'revoked-one' }), { mode: 0o600 });
    controller.register = () => ({ error: grpc.status.PERMISSION_DENIED, details: 'agent "builder-1" was revoked' });
    await expect(register()).rejects.toMatchObject({ name: 'RegistrationRefusedError', code: 'REFUSED' });
    expect(controller.count('Enrol')).toBe(0);
  });

  it('names the enrolment token when the controller refuses it', async () => {
    controller.enrol = () => ({ error: grpc.status.UNAUTHENTICATED, details: 'enrolment token used up' });
    await expect(register()).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('enrolment token'),
    });
    expect(controller.count('Register')).toBe(0);
  });
});
