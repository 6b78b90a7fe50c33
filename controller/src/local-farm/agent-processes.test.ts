import { describe, expect, it } from 'vitest';
import { withoutControllerSecrets } from './agent-processes.js';

describe('the environment of gantry up’s agents', () => {
  it('keeps what the agent needs and drops what only the controller may hold', () => {
    const kept = withoutControllerSecrets({
      PATH: '/usr/bin',
      HOME: '/root',
      GANTRY_LOG_LEVEL: 'debug',
      GANTRY_ADMIN_TOKEN: 'admin-token-value',
      GANTRY_SECRET_KEY: 'secret-key-value',
      GANTRY_SECRET_KEY_FILE: '/etc/gantry/secret-key',
      GANTRY_APPROVAL_WEBHOOK_SECRET: 'webhook-secret',
      DATABASE_URL: 'postgres://gantry:password@db/gantry',
      GANTRY_ARTIFACTS: 's3://key:secret@bucket',
    });
    expect(kept).toEqual({ PATH: '/usr/bin', HOME: '/root', GANTRY_LOG_LEVEL: 'debug' });
  });
});
