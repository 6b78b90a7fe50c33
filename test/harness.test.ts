import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { connect, StringCodec } from 'nats';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { findFreePort } from './src/harness/free-port.js';
import { createGitRepo, freshDatabase } from './src/harness/index.js';

const execFileAsync = promisify(execFile);

describe('integration harness', () => {
  it('gives each test an empty Postgres database of its own', async () => {
    const [first, second] = [await freshDatabase(), await freshDatabase()];
    expect(first).not.toBe(second);
    const client = new pg.Client({ connectionString: first });
    await client.connect();
    try {
      const { rows } = await client.query<{ one: number }>('select 1 as one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('hands out listening ports outside the ephemeral range, none twice, skipping one in use', async () => {
    const [ephemeralLow] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/);
    const first = await findFreePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(first + 1, '127.0.0.1', resolve));
    try {
      const next = await Promise.all([findFreePort(), findFreePort(), findFreePort()]);
      const ports = [first, ...next];
      expect(new Set(ports).size).toBe(ports.length);
      expect(ports).not.toContain(first + 1);
      for (const port of ports) expect(port).toBeLessThan(Number(ephemeralLow));
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('runs a nats-server that stores JetStream publishes', async () => {
    const nc = await connect({ servers: inject('natsUrl') });
    try {
      const stream = `harness_${Date.now()}`;
      await (await nc.jetstreamManager()).streams.add({ name: stream, subjects: [`${stream}.>`] });
      const ack = await nc.jetstream().publish(`${stream}.probe`, StringCodec().encode('hello'));
      expect(ack.stream).toBe(stream);
      expect(ack.seq).toBe(1);
    } finally {
      await nc.close();
    }
  });

  it('creates git repositories with real commits', async () => {
    const repo = await createGitRepo({ '.gantry.yml': 'stages: []\n', 'scripts/build.sh': 'echo built\n' });
    try {
      expect(repo.branch).toBe('main');
      const type = await execFileAsync('git', ['cat-file', '-t', repo.sha], { cwd: repo.path });
      expect(type.stdout.trim()).toBe('commit');
      const mode = await execFileAsync('git', ['ls-files', '--stage', 'scripts/build.sh'], { cwd: repo.path });
      expect(mode.stdout).toMatch(/^100755 /);

      const first = repo.sha;
      const second = await repo.commit({ 'scripts/build.sh': null, 'README.md': 'hi\n' }, 'second');
      expect(second).not.toBe(first);
      expect(repo.sha).toBe(second);
      const files = await execFileAsync('git', ['ls-tree', '-r', '--name-only', 'HEAD'], { cwd: repo.path });
      expect(files.stdout.trim().split('\n')).toEqual(['.gantry.yml', 'README.md']);
    } finally {
      await repo.remove();
    }
  });
});
