import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readServerTls } from './server-tls.js';

describe('readServerTls', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-server-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', key, '-out', cert, '-subj', '/CN=test'],
    { stdio: 'ignore' },
  );

  it('serves plaintext without the variables', async () => {
    expect(await readServerTls({ tlsCert: undefined, tlsKey: undefined })).toBeUndefined();
  });

  it('reads a certificate and its key', async () => {
    const tls = await readServerTls({ tlsCert: cert, tlsKey: key });
    expect(tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
  });

  it('names the variable of a file it cannot read', async () => {
    await expect(readServerTls({ tlsCert: join(dir, 'missing.pem'), tlsKey: key })).rejects.toThrow(
      /GANTRY_TLS_CERT=.*missing\.pem: cannot read it \(ENOENT\)/,
    );
  });

  it('refuses a file that is not a certificate', async () => {
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    await expect(readServerTls({ tlsCert: junk, tlsKey: key })).rejects.toThrow(/not a PEM certificate and its key/);
  });
});
