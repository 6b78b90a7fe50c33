import { describe, expect, it } from 'vitest';
import { compileGlob } from './glob-pattern.js';

describe('compileGlob', () => {
  // biome-ignore format: one case a line reads as a table
  it.each<[string, string, boolean]>([
    ['dist/**', 'dist/app.js', true],
    ['dist/**', 'dist/a/b/c.js', true],
    ['dist/**', 'distro/a.js', false],
    ['dist', 'dist/a/b.js', true],
    ['dist/', 'dist/a', true],
    ['dist', 'dist', true],
    ['reports/*.xml', 'reports/unit.xml', true],
    ['reports/*.xml', 'reports/sub/unit.xml', false],
    ['reports/*.xml', 'reports/unit.xml.bak', false],
    ['**/*.tgz', 'pkg.tgz', true],
    ['**/*.tgz', 'a/b/pkg.tgz', true],
    ['out/app-?.bin', 'out/app-1.bin', true],
    ['out/app-?.bin', 'out/app-10.bin', false],
    ['out/[ab].txt', 'out/b.txt', true],
    ['out/[!ab].txt', 'out/b.txt', false],
    ['a.b', 'aXb', false],
    ['(x)+', '(x)+', true],
  ])('%s matches %s: %s', (glob, path, expected) => {
    expect(compileGlob(glob).matches(path)).toBe(expected);
  });

  it.each([
    ['dist/**', 'dist'],
    ['reports/*.xml', 'reports'],
    ['**/*.tgz', ''],
    ['out/bin/app', 'out/bin/app'],
  ])('searches %s from %s', (glob, base) => {
    expect(compileGlob(glob).base).toBe(base);
  });
});
