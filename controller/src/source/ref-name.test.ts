import { describe, expect, it } from 'vitest';
import { assertRefName } from './ref-name.js';

describe('which refs a trigger may name', () => {
  it.each(['main', 'HEAD', 'refs/heads/main', 'v1.2.3', 'feature/login-form', 'release_2024', 'deadbeef'])(
    'accepts %s',
    (ref) => {
      expect(() => assertRefName(ref)).not.toThrow();
    },
  );

  it.each([
    ['--upload-pack=x', 'starts with "-"'],
    ['-', 'starts with "-"'],
    ['main~1', 'one of ~ ^ : ? * [ \\'],
    ['HEAD^', 'one of ~ ^ : ? * [ \\'],
    [':/fix', 'one of ~ ^ : ? * [ \\'],
    ['with space', 'a space'],
    ['tab\there', 'a control character'],
    ['main..side', '".."'],
    ['main@{1}', '"@{"'],
    ['@', 'is "@"'],
    ['/main', 'empty path component'],
    ['main/', 'empty path component'],
    ['a//b', 'empty path component'],
    ['main.', 'ends with "."'],
    ['.hidden', 'starts with "."'],
    ['refs/.hidden/x', 'starts with "."'],
    ['main.lock', 'ends with ".lock"'],
    ['', 'empty'],
  ])('refuses %j, saying why', (ref, why) => {
    expect(() => assertRefName(ref)).toThrow(`ref "${ref}" is not a valid git ref name`);
    expect(() => assertRefName(ref)).toThrow(why);
  });
});
