import { describe, expect, it } from 'vitest';
import { formatTable, printable, printableLines } from './format.js';

describe('printable', () => {
  it.each([
    ['an escape sequence', 'a\u001b[2Jb', 'a\\u001b[2Jb'],
    ['a line break and a carriage return', 'a\nb\rc', 'a\\u000ab\\u000dc'],
    ['DEL and a C1 control', 'a\u007fb\u009bc', 'a\\u007fb\\u009bc'],
    ['a right-to-left override', 'ok \u202eevil\u202c', 'ok \\u202eevil\\u202c'],
    ['an isolate', '\u2067x\u2069', '\\u2067x\\u2069'],
    ['the directional marks', 'a\u200eb\u200fc\u061cd', 'a\\u200eb\\u200fc\\u061cd'],
    ['a zero-width space and a byte order mark', 'ad\u200bmin\ufeff', 'ad\\u200bmin\\ufeff'],
    ['the line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
  ])('escapes %s', (_name, text, shown) => {
    expect(printable(text)).toBe(shown);
  });

  it('leaves text alone, right-to-left scripts and emoji joined with zero-width joiners included', () => {
    const text =
      'deploy \u05e9\u05dc\u05d5\u05dd caf\u00e9 \u{1f468}\u200d\u{1f469}\u200d\u{1f467} \u0915\u094d\u200c\u0937';
    expect(printable(text)).toBe(text);
  });

  it('keeps line breaks in printableLines and escapes the rest', () => {
    expect(printableLines('one\u001b[31m\ntwo\r')).toBe('one\\u001b[31m\ntwo\\u000d');
  });

  it('aligns a table on the escaped text', () => {
    expect(
      formatTable(
        ['NAME', 'X'],
        [
          ['a\u200bb', '1'],
          ['abc', '2'],
        ],
      ),
    ).toEqual(['NAME      X', 'a\\u200bb  1', 'abc       2']);
  });
});
