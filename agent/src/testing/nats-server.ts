/** Test support: a throwaway nats-server with JetStream on a free port. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestNatsServer {
  url: string;
  stop(): Promise<void>;
}

export async function startTestNatsServer(): Promise<TestNatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-nats-'));
  const binary = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
  const child: ChildProcess = spawn(
    binary,
    ['-js', '-sd', join(dir, 'store'), '-a', '127.0.0.1', '-p', '-1', '--ports_file_dir', dir],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const portsFile = join(dir, `nats-server_${child.pid}.ports`);
  // The server writes the ports file once it listens.
  for (let waited = 0; !existsSync(portsFile); waited += 10) {
    if (waited > 10_000 || child.exitCode !== null) throw new Error('nats-server did not start');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const ports = JSON.parse(readFileSync(portsFile, 'utf8')) as { nats: string[] };
  const url = ports.nats[0] ?? '';
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
