import { describe, expect, it } from 'vitest';
import { cacheScopesOf } from './cache-scope.js';

describe('cacheScopesOf', () => {
  const protectedBranches = ['main', 'release/*', 'refs/tags/v*'];

  it.each([
    ['refs/heads/main', 'main', { write: 'protected', read: ['protected'] }],
    [null, 'main', { write: 'protected', read: ['protected'] }],
    ['refs/heads/release/1.2', 'release/1.2', { write: 'protected', read: ['protected'] }],
    ['refs/tags/v1.0', 'v1.0', { write: 'protected', read: ['protected'] }],
    [
      'refs/heads/feature/x',
      'feature/x',
      { write: 'ref:refs/heads/feature/x', read: ['ref:refs/heads/feature/x', 'protected'] },
    ],
    ['refs/tags/nightly', 'nightly', { write: 'ref:refs/tags/nightly', read: ['ref:refs/tags/nightly', 'protected'] }],
    [null, 'mainline', { write: 'ref:refs/heads/mainline', read: ['ref:refs/heads/mainline', 'protected'] }],
  ])('%s (%s) reads and writes as expected', (fullRef, ref, scopes) => {
    expect(cacheScopesOf(fullRef, ref, protectedBranches)).toEqual(scopes);
  });
});
