import { describe, expect, it } from 'vitest';
import { compileGlob, matchesAnyGlob, matchesGlob } from './glob.js';

/** The RegExp translation glob.ts used before, as the reference for names without line breaks. */
function legacyGlob(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index] ?? '';
    if (character === '*' && pattern[index + 1] === '*') {
      if (pattern[index + 2] === '/') {
        source += '(?:.*/)?';
        index += 2;
      } else {
        source += '.*';
        index += 1;
      }
    } else if (character === '*') {
      source += '[^/]*';
    } else if (character === '?') {
      source += '[^/]';
    } else {
      source += character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/** A seeded generator (mulberry32), so every run checks the same cases. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function stringOf(next: () => number, alphabet: readonly string[], maxLength: number): string {
  const length = Math.floor(next() * (maxLength + 1));
  return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
}

describe('matchesGlob', () => {
  it.each([
    ['', '', true],
    ['', 'a', false],
    ['*', '', true],
    ['*', 'a/b', false],
    ['**', 'a/b/c', true],
    ['**/', '', true],
    ['**/', 'a/', true],
    ['**/', 'a', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'ab', false],
    ['a**/b', 'ab', true],
    ['a**/b', 'axy/b', true],
    ['**x**/y', 'xxy', true],
    ['*/**/*.ts', 'src/a/b.ts', true],
    ['*/**/*.ts', 'b.ts', false],
    ['***', 'a/b', true],
    ['***/x', 'a/b/x', true],
    ['?', '/', false],
    ['??', '😀', true],
    ['ü*', 'über', true],
    ['[ab]', 'a', false],
    ['[ab]', '[ab]', true],
    ['a\\*', 'a\\xyz', true],
    ['a.b', 'aXb', false],
    ['(a|b)+$', '(a|b)+$', true],
    ['release/*', 'release/', true],
    ['release/*', 'release', false],
  ])('glob %j matches %j: %s', (pattern, name, expected) => {
    expect(matchesGlob(pattern, name)).toBe(expected);
    expect(compileGlob(pattern)(name)).toBe(expected);
    expect(legacyGlob(pattern).test(name)).toBe(expected);
  });

  it('agrees with the former RegExp translation on thousands of short globs and names', () => {
    const next = random(42);
    const patternAlphabet = ['a', 'b', '/', '*', '*', '?', '.', '\\', '[', ']', 'é'];
    const nameAlphabet = ['a', 'b', '/', '.', '\\', '[', ']', 'é', '*', '?'];
    let checked = 0;
    let matched = 0;
    for (let glob = 0; glob < 2000; glob++) {
      const pattern = stringOf(next, patternAlphabet, 9);
      const expected = legacyGlob(pattern);
      const compiled = compileGlob(pattern);
      for (let name = 0; name < 40; name++) {
        const text = stringOf(next, nameAlphabet, 10);
        const want = expected.test(text);
        if (compiled(text) !== want) throw new Error(`glob ${JSON.stringify(pattern)} on ${JSON.stringify(text)}`);
        checked++;
        if (want) matched++;
      }
    }
    expect(checked).toBe(80_000);
    expect(matched).toBeGreaterThan(2000);
  });

  it('agrees with the former RegExp translation on globs longer than 32 tokens', () => {
    const next = random(7);
    const nameAlphabet = ['a', 'b', 'c', '/', '.'];
    for (let glob = 0; glob < 300; glob++) {
      // Mostly names turned into globs, so many match; a few wildcards keep the RegExp quick.
      const source = stringOf(next, nameAlphabet, 90);
      let pattern = '';
      for (const character of source) {
        const roll = next();
        pattern += roll < 0.02 ? '*' : roll < 0.03 ? '**' : roll < 0.04 ? '**/' : roll < 0.1 ? '?' : character;
      }
      const expected = legacyGlob(pattern);
      const compiled = compileGlob(pattern);
      for (const text of [source, `${source}x`, source.slice(1), source.replace('a', 'b'), source.replace('/', 'a')]) {
        if (compiled(text) !== expected.test(text)) {
          throw new Error(`glob ${JSON.stringify(pattern)} on ${JSON.stringify(text)}`);
        }
      }
    }
  });

  it('lets ** match line breaks too, as documented (the RegExp`s "." did not)', () => {
    expect(matchesGlob('docs/**', 'docs/a\nb.md')).toBe(true);
    expect(matchesGlob('**/*.md', 'a\u2028b/c.md')).toBe(true);
    expect(matchesGlob('docs/*', 'docs/a\nb.md')).toBe(true);
  });

  // Each of these made the RegExp backtrack for longer than anyone would wait
  // (2.6 s for 8 `*a` on 40 characters, about 5 times more per `*a`).
  it('answers globs that made the RegExp backtrack exponentially', () => {
    const stars = `${'*a'.repeat(16)}*b`;
    expect(matchesGlob(stars, 'a'.repeat(60))).toBe(false);
    expect(matchesGlob(stars, `${'a'.repeat(60)}b`)).toBe(true);
    expect(matchesGlob(stars, `${'a'.repeat(30)}/${'a'.repeat(30)}b`)).toBe(false);

    const globstars = `${'**a'.repeat(8)}**b`;
    const path = Array.from({ length: 40 }, () => 'aaaa').join('/');
    expect(matchesGlob(globstars, path)).toBe(false);
    expect(matchesGlob(globstars, `${path}/b`)).toBe(true);

    const long = `${'*a'.repeat(127)}*b`;
    expect(long).toHaveLength(256);
    expect(matchesGlob(long, 'a'.repeat(4000))).toBe(false);
    expect(matchesAnyGlob([stars, globstars, long], 'a'.repeat(200))).toBe(false);
  });
});
