import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadControllerConfig, natsServersOf, requireSharedTokens } from './config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadControllerConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadControllerConfig', () => {
  it('applies the declared defaults', () => {
    const config = loadControllerConfig({});
    expect(config).toMatchObject({
      natsUrl: 'nats://127.0.0.1:4222',
      bindHost: '127.0.0.1',
      httpPort: 8080,
      grpcPort: 7070,
      leaseTtlMs: 30_000,
      republishAfterMs: 15_000,
      logLevel: 'info',
      databaseUrl: undefined,
      adminToken: undefined,
    });
    expect(config.dataDir).toMatch(/\/\.gantry$/);
  });

  it('lets a flag override the variable', () => {
    expect(loadControllerConfig({ GANTRY_HTTP_PORT: '9000' }, { GANTRY_HTTP_PORT: '9001' }).httpPort).toBe(9001);
  });

  it('reads a secret from VARIABLE_FILE without one trailing newline', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'controller-config-')), 'admin-token');
    writeFileSync(file, 'an-admin-token-of-some-length\n');
    expect(loadControllerConfig({ GANTRY_ADMIN_TOKEN_FILE: file }).adminToken).toBe('an-admin-token-of-some-length');
  });

  it('names every bad variable, never echoing a secret', () => {
    const problems = problemsOf({
      GANTRY_HTTP_PORT: 'eighty',
      GANTRY_REPUBLISH_AFTER_MS: '-5',
      GANTRY_AGENT_TOKEN: 'short',
      GANTRY_ADMIN_TOKEN: 'an-admin-token-of-some-length',
      GANTRY_ADMIN_TOKEN_FILE: '/somewhere',
      DATABASE_URL_FILE: '/nonexistent/db-url',
    });
    expect(problems).toEqual([
      'DATABASE_URL_FILE: cannot read "/nonexistent/db-url": ENOENT',
      expect.stringMatching(/^GANTRY_HTTP_PORT="eighty": /),
      'GANTRY_ADMIN_TOKEN_FILE: set either GANTRY_ADMIN_TOKEN or GANTRY_ADMIN_TOKEN_FILE, not both',
      'GANTRY_AGENT_TOKEN: must be at least 16 characters',
      expect.stringMatching(/^GANTRY_REPUBLISH_AFTER_MS="-5": /),
    ]);
  });

  it('takes a comma-separated list of NATS servers and names a bad one', () => {
    const config = loadControllerConfig({ GANTRY_NATS_URL: 'nats://n1:4222, nats://n2:4222,nats://n3:4222' });
    expect(natsServersOf(config.natsUrl)).toEqual(['nats://n1:4222', 'nats://n2:4222', 'nats://n3:4222']);
    expect(problemsOf({ GANTRY_NATS_URL: 'nats://n1:4222,http://n2' })).toEqual([
      'GANTRY_NATS_URL="nats://n1:4222,http://n2": must be a nats:// URL, or several separated by commas',
    ]);
  });

  it('sets the jobs stream replicas from 1 to 5', () => {
    expect(loadControllerConfig({}).jobsReplicas).toBe(1);
    expect(loadControllerConfig({ GANTRY_JOBS_REPLICAS: '3' }).jobsReplicas).toBe(3);
    expect(problemsOf({ GANTRY_JOBS_REPLICAS: '7' })).toEqual([expect.stringMatching(/^GANTRY_JOBS_REPLICAS="7": /)]);
  });

  it('prepares repeated statements unless told 0', () => {
    expect(loadControllerConfig({}).databasePreparedStatements).toBe(true);
    expect(loadControllerConfig({ GANTRY_DATABASE_PREPARED_STATEMENTS: '0' }).databasePreparedStatements).toBe(false);
    expect(problemsOf({ GANTRY_DATABASE_PREPARED_STATEMENTS: 'no' })).toEqual([
      'GANTRY_DATABASE_PREPARED_STATEMENTS="no": must be 1 (prepare repeated statements) or 0',
    ]);
  });

  it('refuses to generate tokens per replica when DATABASE_URL is set', () => {
    const shared = loadControllerConfig({ DATABASE_URL: 'postgres://db/gantry' });
    expect(() => requireSharedTokens(shared)).toThrow(ConfigError);
    try {
      requireSharedTokens(shared);
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(/^GANTRY_ADMIN_TOKEN: required with DATABASE_URL \(set it or GANTRY_ADMIN_TOKEN_FILE/),
        expect.stringMatching(/^GANTRY_AGENT_TOKEN: required with DATABASE_URL/),
      ]);
    }
    const tokens = {
      GANTRY_ADMIN_TOKEN: 'an-admin-token-of-some-length',
      GANTRY_AGENT_TOKEN: 'an-agent-token-of-some-length',
    };
    expect(() =>
      requireSharedTokens(loadControllerConfig({ DATABASE_URL: 'postgres://db/gantry', ...tokens })),
    ).not.toThrow();
    expect(() => requireSharedTokens(loadControllerConfig({}))).not.toThrow();
  });
  it('reads an s3:// artifact store with its keys, from files too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'controller-config-'));
    writeFileSync(join(dir, 'secret'), 'the-secret\n');
    const config = loadControllerConfig({
      GANTRY_ARTIFACTS: 's3://builds?endpoint=http://127.0.0.1:9000&region=eu-west-1',
      GANTRY_S3_ACCESS_KEY: 'access',
      GANTRY_S3_SECRET_KEY_FILE: join(dir, 'secret'),
    });
    expect(config.artifacts).toEqual({
      kind: 's3',
      bucket: 'builds',
      host: '127.0.0.1',
      port: 9000,
      useSsl: false,
      region: 'eu-west-1',
    });
    expect(config.s3SecretKey).toBe('the-secret');
  });

  it.each([
    ['ftp://builds', 'GANTRY_ARTIFACTS="ftp://builds": unsupported scheme "ftp:"; expected s3://'],
    ['s3://B', 'GANTRY_ARTIFACTS="s3://B": bucket "B" is not a valid name'],
    ['s3://builds?endpoint=localhost:9000', 'must be http:// or https://'],
    ['s3://builds?endpont=http://h', 'unknown parameter "endpont"'],
  ])('refuses the artifact store %s, naming the variable', (location, message) => {
    const problems = problemsOf({ GANTRY_ARTIFACTS: location, GANTRY_S3_ACCESS_KEY: 'a', GANTRY_S3_SECRET_KEY: 's' });
    expect(problems).toEqual([expect.stringContaining(message)]);
  });

  it('requires both keys with an s3:// store', () => {
    expect(problemsOf({ GANTRY_ARTIFACTS: 's3://builds', GANTRY_S3_ACCESS_KEY: 'a' })).toEqual([
      'GANTRY_S3_SECRET_KEY: required when GANTRY_ARTIFACTS is an s3:// store',
    ]);
  });

  it.each([
    [{ GANTRY_TLS_CERT: '/etc/gantry/cert.pem' }, 'GANTRY_TLS_KEY: required with GANTRY_TLS_CERT'],
    [{ GANTRY_TLS_KEY: '/etc/gantry/key.pem' }, 'GANTRY_TLS_CERT: required with GANTRY_TLS_KEY'],
    [{ GANTRY_NATS_USER: 'gantry-controller' }, 'GANTRY_NATS_PASSWORD: required with GANTRY_NATS_USER'],
  ])('requires the other half of %o', (env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });
});
