/** The systemd units in deploy/ pass `systemd-analyze verify` (where systemd is installed). */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const systemdDir = fileURLToPath(new URL('../../deploy/systemd/', import.meta.url));
const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((path) => existsSync(path));

describe('deploy/systemd', () => {
  it.skipIf(analyze === undefined)('has units systemd-analyze verify accepts', async () => {
    const units = ['gantry-controller.service', 'gantry-agent.service'].map((unit) => `${systemdDir}${unit}`);
    const { stderr } = await execFileAsync(analyze as string, ['verify', ...units], {
      env: { ...process.env, SYSTEMD_LOG_LEVEL: 'info' },
    });
    expect(stderr.trim()).toBe('');
  });
});
