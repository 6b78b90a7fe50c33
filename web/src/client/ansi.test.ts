import { describe, expect, it } from 'vitest';
import { AnsiParser } from './ansi.js';

const parse = (...chunks: string[]) => {
  const parser = new AnsiParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
};

describe('AnsiParser', () => {
  it.each([
    ['plain text', ['hello\n'], [{ text: 'hello\n', classes: [] }]],
    [
      'a colour and its reset',
      ['\u001b[32mok\u001b[0m done'],
      [
        { text: 'ok', classes: ['fg-2'] },
        { text: ' done', classes: [] },
      ],
    ],
    ['bright and bold', ['\u001b[1;91mERR'], [{ text: 'ERR', classes: ['fg-9', 'bold'] }]],
    ['a 256-colour index below 16', ['\u001b[38;5;4mblue'], [{ text: 'blue', classes: ['fg-4'] }]],
    ['true colour, skipped', ['\u001b[38;2;1;2;3mx'], [{ text: 'x', classes: [] }]],
    ['a sequence cut between chunks', ['\u001b[3', '3my'], [{ text: 'y', classes: ['fg-3'] }]],
    [
      'cursor moves and titles dropped',
      ['a\u001b[2Kb\u001b]0;title\u0007c'],
      [{ text: 'a' }, { text: 'b' }, { text: 'c' }],
    ],
    ['progress carriage returns', ['10%\r50%\r\n'], [{ text: '10%50%\n', classes: [] }]],
    ['markup stays text', ['<script>x</script>'], [{ text: '<script>x</script>', classes: [] }]],
  ])('%s', (_what, chunks, expected) => {
    expect(parse(...chunks)).toMatchObject(expected);
  });
});
