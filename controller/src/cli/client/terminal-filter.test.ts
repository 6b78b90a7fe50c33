import { describe, expect, it } from 'vitest';
import { TerminalFilter } from './terminal-filter.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Feeds `text` one chunk per element and returns what would reach the terminal. */
function filtered(chunks: string[], keepColor = true): string {
  const filter = new TerminalFilter({ keepColor });
  return chunks.map((chunk) => decoder.decode(filter.write(encoder.encode(chunk)))).join('');
}

describe('TerminalFilter', () => {
  it('keeps text, tabs, line ends, UTF-8 and colours', () => {
    const text = 'ok\tdone\r\n\x1b[1;32mgrün ✓\x1b[0m \x1b[38;2;255;0;0mred\x1b[m\n';
    expect(filtered([text])).toBe(text);
  });

  it.each([
    ['a window title (OSC ended by BEL)', 'a\x1b]0;pwned\x07b', 'ab'],
    ['a clipboard write (OSC 52 ended by ST)', 'a\x1b]52;c;ZWNobyBoaQ==\x1b\\b', 'ab'],
    ['a hyperlink', '\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\', 'link'],
    ['cursor movement and clearing', 'a\x1b[2J\x1b[1;1Hb\x1b[Kc', 'abc'],
    ['private modes', 'a\x1b[?1049hb\x1b[?25l', 'ab'],
    ['a device status query', 'a\x1b[6nb', 'ab'],
    ['DCS and APC strings', 'a\x1bPq#0;2;0;0;0\x1b\\b\x1b_secret\x1b\\c', 'abc'],
    ['two-byte escapes and charset selection', 'a\x1bcb\x1b(0c\x1b7d', 'abcd'],
    ['C0 controls (bell, backspace, form feed, delete)', 'a\x07b\x08c\x0cd\x7fe', 'abcde'],
    ['8-bit CSI and OSC (C1 controls)', 'a\u009b2Jb\u009d0;t\u009cc', 'a2Jb0;tc'],
    ['an SGR with a non-numeric parameter', 'a\x1b[>4;2mb', 'ab'],
  ])('drops %s', (_what, input, expected) => {
    expect(filtered([input])).toBe(expected);
  });

  it('drops a sequence split across chunks whole', () => {
    expect(filtered(['before\x1b', ']0;ti', 'tle\x1b', '\\after'])).toBe('beforeafter');
    expect(filtered(['x\x1b[', '31', 'mred'])).toBe('x\x1b[31mred');
    const filter = new TerminalFilter({ keepColor: true });
    const bytes = [
      filter.write(Uint8Array.of(0x61, 0xc2)),
      filter.write(Uint8Array.of(0x9b, 0x32, 0xc2)),
      filter.write(Uint8Array.of(0xa9)),
    ];
    expect(decoder.decode(Buffer.concat(bytes))).toBe('a2©');
  });

  it('drops colours too when colour is off', () => {
    expect(filtered(['\x1b[31mred\x1b[0m plain'], false)).toBe('red plain');
  });

  it('drops an overlong colour sequence instead of buffering it', () => {
    expect(filtered([`a\x1b[${'1;'.repeat(1000)}31mb`])).toBe('ab');
  });
});
