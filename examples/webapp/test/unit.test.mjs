import assert from 'node:assert/strict';
import { test } from 'node:test';
import { greet } from '../src/greet.mjs';

test('greets by name', () => {
  assert.equal(greet(' Ada ', '1.0'), 'Hello, Ada! (webapp 1.0)');
});

test('refuses an empty name', () => {
  assert.throws(() => greet(''), /non-empty/);
});
