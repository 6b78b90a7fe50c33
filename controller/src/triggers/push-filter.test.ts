import { describe, expect, it } from 'vitest';
import type { PushFilter } from '../pipeline/index.js';
import { pushFilterRefusal } from './push-filter.js';

const filter = (fields: Partial<PushFilter>): PushFilter => ({ branches: null, tags: null, paths: null, ...fields });
const branch = (name: string) => ({ kind: 'branch' as const, name });
const tag = (name: string) => ({ kind: 'tag' as const, name });

describe('which pushes start a run', () => {
  it.each([
    ['no on: runs every branch', null, branch('feature/x'), null, null],
    ['no on: runs no tag', null, tag('v1'), null, 'tag v1: on.push lists no tags, so tag pushes start no run'],
    ['a listed branch runs', filter({ branches: ['main', 'release/*'] }), branch('release/2'), null, null],
    [
      'an unlisted branch does not',
      filter({ branches: ['main', 'release/*'] }),
      branch('feature/x'),
      null,
      'branch feature/x does not match on.push.branches (main, release/*)',
    ],
    ['a listed tag runs', filter({ tags: ['v*'] }), tag('v1.2'), null, null],
    [
      'an unlisted tag does not',
      filter({ tags: ['v*'] }),
      tag('nightly'),
      null,
      'tag nightly does not match on.push.tags (v*)',
    ],
    [
      'only tags listed: branches do not run',
      filter({ tags: ['v*'] }),
      branch('main'),
      null,
      'branch main: on.push lists only tags, so branch pushes start no run',
    ],
    ['a matching changed path runs', filter({ paths: ['src/**'] }), branch('main'), ['src/a.ts', 'README.md'], null],
    [
      'no matching changed path does not',
      filter({ paths: ['src/**'] }),
      branch('main'),
      ['README.md'],
      'no file changed by the push matches on.push.paths (src/**)',
    ],
    ['unknown changed paths run', filter({ paths: ['src/**'] }), branch('main'), null, null],
    ['paths do not apply to tags', filter({ tags: ['v*'], paths: ['src/**'] }), tag('v1'), ['README.md'], null],
    ['a ref that is neither is not filtered', filter({ branches: ['main'] }), null, null, null],
  ])('%s', (_name, on, ref, changed, expected) => {
    expect(pushFilterRefusal(on, ref, changed)).toBe(expected);
  });
});
