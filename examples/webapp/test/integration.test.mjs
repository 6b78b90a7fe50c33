import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

test('the built bundle works and names its version', async () => {
  const { greet } = await import('../dist/greet.mjs');
  const { version } = JSON.parse(readFileSync(new URL('../dist/version.json', import.meta.url), 'utf8'));
  assert.match(greet('CI', version), /^Hello, CI! \(webapp .+\)$/);
});
