/**
 * TLS on every wire: a controller with GANTRY_TLS_CERT / GANTRY_TLS_KEY
 * serves HTTP and gRPC over TLS only, and its nats-server speaks TLS too,
 * with a certificate this test makes. An agent given the CA (`GANTRY_CA`)
 * runs a job the CLI triggered trusting the CA (NODE_EXTRA_CA_CERTS);
 * plaintext HTTP, gRPC and NATS clients and clients without the CA are
 * refused, and the controller stays healthy.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../e2e/wait.js';
import {
  type AgentProcess,
  type ControllerProcess,
  createGitRepo,
  freshDatabase,
  type GitRepo,
  httpStatus,
  type NatsServer,
  spawnGantry,
  startAgent,
  startController,
  startNats,
} from '../src/harness/index.js';

const run = promisify(execFile);
/**
 * How long a request to the controller may take: httpStatus's default of 1 s is for polling a
 * starting controller, and a TLS handshake plus /healthz's checks on a loaded machine can take longer.
 */
const answerWithinMs = 30_000;
const gantryBin = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));

/** A self-signed certificate for 127.0.0.1 and localhost; it is its own CA. */
async function makeCertificate(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  // biome-ignore format: one openssl command line
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-keyout', key, '-out', cert, '-subj', '/CN=gantry test',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return { cert, key };
}

describe('a farm over TLS', () => {
  let dir: string;
  let tls: { cert: string; key: string };
  let ca: string;
  let nats: NatsServer;
  let controller: ControllerProcess;
  let agent: AgentProcess;
  let repo: GitRepo;
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const agentToken = `agent-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-tls-'));
    tls = await makeCertificate(dir);
    ca = await readFile(tls.cert, 'utf8');
    repo = await createGitRepo({
      '.gantry.yml':
        'name: tls\nstages:\n  - name: build\n    jobs:\n      - name: hello\n        steps: ["echo over tls"]\n',
    });
    nats = await startNats({ auth: true, tls });
    controller = await startController({
      databaseUrl: await freshDatabase(),
      natsUrl: nats.url,
      dataDir: join(dir, 'controller'),
      adminToken,
      agentToken,
      tls: { ...tls, ca },
      env: { ...nats.users!.controllerEnv, GANTRY_CA: tls.cert },
    });
    agent = await startAgent({
      controller: controller.grpcAddress,
      natsUrl: nats.url,
      token: agentToken,
      workDir: join(dir, 'agent'),
      env: { ...nats.users!.agentEnv, GANTRY_CA: tls.cert },
    });
  });
  afterAll(async () => {
    await agent?.stop();
    await controller?.stop();
    await nats?.stop();
    await repo?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs a job the CLI triggers trusting the CA, on an agent that checks the controller and NATS', async () => {
    expect(nats.url).toMatch(/^tls:\/\//);
    expect(controller.httpUrl).toMatch(/^https:\/\//);
    const { stdout } = await run(
      process.execPath,
      [gantryBin, 'trigger', '--repo', repo.path, '--ref', 'main', '--follow'],
      {
        env: {
          ...process.env,
          GANTRY_URL: controller.httpUrl,
          GANTRY_TOKEN: adminToken,
          NODE_EXTRA_CA_CERTS: tls.cert,
          NO_COLOR: '1',
        },
      },
    );
    expect(stdout).toMatch(/succeeded/);
  });

  it('refuses plaintext HTTP', async () => {
    await expect(httpStatus(`${controller.httpUrl.replace(/^https:/, 'http:')}/healthz`)).rejects.toThrow();
  });

  it('refuses an HTTPS client that does not trust the certificate', async () => {
    await expect(httpStatus(`${controller.httpUrl}/healthz`, undefined, answerWithinMs)).rejects.toThrow(
      /self.signed|certificate/i,
    );
  });

  it('refuses a plaintext gRPC agent: it cannot register', async () => {
    const plaintext = spawnGantry(
      ['agent', '--controller', controller.grpcAddress, '--nats', nats.url, '--work-dir', join(dir, 'plain')],
      { GANTRY_AGENT_TOKEN: agentToken, ...nats.users!.agentEnv, GANTRY_CA: '' },
    );
    try {
      // It enrols first (no credential yet), so enrolling is the call that fails.
      await waitFor('the plaintext agent to fail enrolling', () =>
        /"msg":"(enrol|register) failed, retrying"/.test(plaintext.output.text()),
      );
      expect(plaintext.output.text()).not.toContain('agent registered');
    } finally {
      await plaintext.kill9();
    }
  });

  it('refuses a NATS client that does not trust the certificate', async () => {
    const { user, password } = nats.users!.agent;
    const plainUrl = nats.url.replace(/^tls:/, 'nats:');
    await expect(connect({ servers: plainUrl, user, pass: password, reconnect: false })).rejects.toThrow();
  });

  it('stays healthy', async () => {
    expect(await httpStatus(`${controller.httpUrl}/healthz`, ca, answerWithinMs)).toBe(200);
  });
});
