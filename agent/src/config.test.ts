import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from './config.js';

const required = ['--controller', 'ctl:7070', '--nats', 'nats://127.0.0.1:4222', '--token', 't0k'];

async function load(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const result = await loadAgentConfig(argv, env);
  if (result === 'help') throw new Error('unexpected help');
  return result;
}

describe('loadAgentConfig', () => {
  it('applies the documented defaults', async () => {
    const result = await load(required, { PATH: '/bin' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({ queues: ['default'], slots: 1, killGraceMs: 10_000, logLevel: 'info' });
    expect(result.config.name).toBe(result.config.name.replace(/[^A-Za-z0-9._-]/g, ''));
    expect(result.config.workDir).toMatch(new RegExp(`/\\.gantry/agent-${result.config.name}$`));
  });

  it.each([
    [
      ['--queue', 'linux', '--queue', 'arm64'],
      ['linux', 'arm64'],
    ],
    [
      ['--queue', 'linux,arm64'],
      ['linux', 'arm64'],
    ],
    [[], ['gpu', 'docker']],
  ])('reads queues from %j (env GANTRY_AGENT_QUEUES=gpu,docker)', async (flags, queues) => {
    const result = await load([...required, ...flags], { GANTRY_AGENT_QUEUES: 'gpu, docker' });
    expect(result.ok && result.config.queues).toEqual(queues);
  });

  it('prefers flags over environment variables', async () => {
    const result = await load(['--slots', '4', '--name', 'builder-1', ...required], {
      GANTRY_AGENT_SLOTS: '2',
      GANTRY_AGENT_NAME: 'env-name',
      GANTRY_CONTROLLER: 'other:1',
    });
    expect(result.ok && [result.config.slots, result.config.name, result.config.controllerAddresses]).toEqual([
      4,
      'builder-1',
      ['ctl:7070'],
    ]);
  });

  it('takes everything from the environment', async () => {
    const result = await load([], {
      GANTRY_CONTROLLER: 'ctl:7070',
      GANTRY_NATS_URL: 'nats://a:4222,nats://b:4222',
      GANTRY_AGENT_TOKEN: 'secret',
      GANTRY_AGENT_WORK_DIR: '/var/lib/gantry',
    });
    expect(result.ok && result.config).toMatchObject({ workDir: '/var/lib/gantry', token: 'secret' });
  });

  it('keeps its own token out of the environment given to steps', async () => {
    const result = await load([], {
      GANTRY_CONTROLLER: 'ctl:7070',
      GANTRY_NATS_URL: 'nats://127.0.0.1:4222',
      GANTRY_AGENT_TOKEN: 'secret',
      HOME: '/home/ci',
    });
    expect(result.ok && result.config.baseEnv).toEqual({
      GANTRY_CONTROLLER: 'ctl:7070',
      GANTRY_NATS_URL: 'nats://127.0.0.1:4222',
      HOME: '/home/ci',
    });
  });

  it('names every bad flag and variable at once', async () => {
    const result = await load(['--slots', 'many', '--queue', 'a b'], {
      GANTRY_NATS_URL: 'http://x',
      GANTRY_AGENT_KILL_GRACE_MS: '-1',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    expect(text).toContain('--controller / GANTRY_CONTROLLER: is required');
    expect(text).toContain('GANTRY_NATS_URL: must be a NATS URL');
    expect(text).toContain('--token / GANTRY_AGENT_TOKEN: is required');
    expect(text).toContain('--slots: must be an integer between 1 and 256 (got "many")');
    expect(text).toContain('--queue: queue names may use only');
    expect(text).toContain('GANTRY_AGENT_KILL_GRACE_MS: must be an integer');
    expect(result.problems).toHaveLength(6);
  });

  it('reports an unknown flag', async () => {
    const result = await load([...required, '--slot', '2']);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]).toBe('Unknown argument: slot');
  });

  it('reads the token from GANTRY_AGENT_TOKEN_FILE or --token-file without its trailing newline, and warns about --token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'from-file\n');
    const base = ['--controller', 'ctl:7070', '--nats', 'nats://127.0.0.1:4222'];
    const fromEnv = await load(base, { GANTRY_AGENT_TOKEN_FILE: file });
    expect(fromEnv.ok && [fromEnv.config.token, fromEnv.warnings, fromEnv.config.baseEnv]).toEqual([
      'from-file',
      [],
      {},
    ]);
    const fromFlag = await load([...base, '--token-file', file]);
    expect(fromFlag.ok && fromFlag.config.token).toBe('from-file');
    const fromArgv = await load([...base, '--token', 'in-ps']);
    expect(fromArgv.ok && fromArgv.warnings).toEqual([
      '--token is visible to every user of this machine (ps); use GANTRY_AGENT_TOKEN_FILE or --token-file',
    ]);
    const missing = await load(base, { GANTRY_AGENT_TOKEN_FILE: join(dir, 'nope') });
    expect(!missing.ok && missing.problems[0]).toMatch(/^GANTRY_AGENT_TOKEN_FILE: cannot read ".*nope": ENOENT$/);
  });

  it('serves metrics only when a port is given, on loopback unless told otherwise', async () => {
    const plain = await load(required);
    expect(plain.ok && plain.config.metricsPort).toBeUndefined();
    const fromFlag = await load([...required, '--metrics-port', '9100']);
    expect(fromFlag.ok && fromFlag.config).toMatchObject({ metricsPort: 9100, metricsHost: '127.0.0.1' });
    const fromEnv = await load(required, { GANTRY_AGENT_METRICS_PORT: '0', GANTRY_AGENT_METRICS_HOST: '0.0.0.0' });
    expect(fromEnv.ok && fromEnv.config).toMatchObject({ metricsPort: 0, metricsHost: '0.0.0.0' });
    const bad = await load([...required, '--metrics-port', '70000']);
    expect(!bad.ok && bad.problems).toEqual(['--metrics-port: must be at most 65535 (got "70000")']);
  });

  it('reads the NATS user, its password from a file, and the CA; and wants both user and password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-agent-nats-'));
    writeFileSync(join(dir, 'password'), 'secret-password\n');
    const withUser = await load([...required, '--nats-user', 'gantry-agent', '--ca', '/etc/gantry/ca.pem'], {
      GANTRY_NATS_PASSWORD_FILE: join(dir, 'password'),
    });
    expect(withUser.ok && withUser.config).toMatchObject({
      natsUser: 'gantry-agent',
      natsPassword: 'secret-password',
      caFile: '/etc/gantry/ca.pem',
    });
    expect(withUser.ok && Object.keys(withUser.config.baseEnv)).not.toContain('GANTRY_NATS_PASSWORD_FILE');
    const half = await load([...required, '--nats-user', 'gantry-agent']);
    expect(!half.ok && half.problems).toEqual(['GANTRY_NATS_USER and GANTRY_NATS_PASSWORD: set both or neither']);
  });
});
