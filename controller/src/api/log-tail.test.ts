import { describe, expect, it } from 'vitest';
import { skipToLineStart } from './log-tail.js';

async function* pagesOf(text: string, pageBytes: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += pageBytes) yield bytes.subarray(at, at + pageBytes);
}

async function tailOf(text: string, pageBytes: number, skip: number) {
  const pages = pagesOf(text, pageBytes);
  const { first, skipped } = await skipToLineStart(pages, skip);
  const rest: Uint8Array[] = [];
  for await (const page of pages) rest.push(page);
  return { text: Buffer.concat([first ?? new Uint8Array(), ...rest]).toString(), skipped };
}

describe('skipToLineStart', () => {
  const log = Array.from({ length: 200 }, (_, index) => `line ${index}\n`).join('');

  it('opens on the first whole line after the cut, however many pages come before it', async () => {
    const cut = 1000;
    const expectedStart = log.indexOf('\n', cut) + 1;
    for (const pageBytes of [64, 500, 999, 1000, log.length]) {
      const tail = await tailOf(log, pageBytes, cut);
      expect({ pageBytes, ...tail }).toEqual({ pageBytes, text: log.slice(expectedStart), skipped: expectedStart });
    }
  });

  it('never starts before the cut, nor past a line start after it, on pages of any size', async () => {
    const cut = 1000;
    for (const pageBytes of [1, 2, 7, 9, 10]) {
      const tail = await tailOf(log, pageBytes, cut);
      expect(tail.text).toBe(log.slice(tail.skipped));
      expect(tail.skipped).toBeGreaterThanOrEqual(cut);
      // Past the cut only to the end of a line, and to the first one.
      if (tail.skipped > cut) {
        expect(log[tail.skipped - 1]).toBe('\n');
        expect(log.slice(cut, tail.skipped - 1)).not.toContain('\n');
      }
    }
  });

  it('cuts mid-line when the page holding the cut has no newline after it', async () => {
    const longLine = `${'x'.repeat(500)}\n`;
    const tail = await tailOf(longLine, 300, 100);
    expect(tail).toEqual({ text: longLine.slice(100), skipped: 100 });
  });

  it('gives nothing when the log ends before the cut', async () => {
    expect(await tailOf('short\n', 2, 10)).toEqual({ text: '', skipped: 6 });
  });
});
