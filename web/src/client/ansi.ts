/**
 * ANSI colour and style codes (SGR) in a log, turned into styled runs of
 * text. Streaming-safe: an escape sequence cut between two chunks waits for
 * the next one. Every other escape sequence (cursor moves, titles) is
 * dropped, and the text is only ever placed with textContent, never as HTML.
 */

export interface Styled {
  text: string;
  /** CSS classes: `fg-N`, `bg-N` (N the 0–15 palette index), `bold`, `dim`, `italic`, `underline`. */
  classes: string[];
}

interface Style {
  fg: number | null;
  bg: number | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
}

const plain = (): Style => ({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false });

// biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what this finds
const escapeSequence = /\u001b(?:\[([0-9;?]*)([@-~])|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: an unfinished escape sequence at the end of a chunk
const unfinished = /\u001b(?:\[[0-9;?]*|\][^\u0007\u001b]*|\u001b?)?$/;

export class AnsiParser {
  private style = plain();
  private carry = '';

  /** The styled runs of `chunk` (text without its escape sequences), holding back an unfinished sequence. */
  push(chunk: string): Styled[] {
    let text = this.carry + chunk;
    this.carry = '';
    const tail = unfinished.exec(text);
    if (tail && tail[0].length > 0) {
      this.carry = tail[0];
      text = text.slice(0, tail.index);
    }
    const runs: Styled[] = [];
    let from = 0;
    for (const match of text.matchAll(escapeSequence)) {
      this.emit(runs, text.slice(from, match.index));
      if (match[2] === 'm') this.apply(match[1] ?? '');
      from = match.index + match[0].length;
    }
    this.emit(runs, text.slice(from));
    return runs;
  }

  private emit(runs: Styled[], text: string): void {
    // A lone carriage return redraws a progress line; in a log it only doubles the text.
    const cleaned = text.replace(/\r(?!\n)/g, '').replace(/\r\n/g, '\n');
    if (cleaned !== '') runs.push({ text: cleaned, classes: classesOf(this.style) });
  }

  private apply(parameters: string): void {
    const codes = parameters === '' ? [0] : parameters.split(';').map((code) => Number(code) || 0);
    for (let index = 0; index < codes.length; index++) {
      const code = codes[index] ?? 0;
      if (code === 0) this.style = plain();
      else if (code === 1) this.style.bold = true;
      else if (code === 2) this.style.dim = true;
      else if (code === 3) this.style.italic = true;
      else if (code === 4) this.style.underline = true;
      else if (code === 22) this.style.bold = this.style.dim = false;
      else if (code === 23) this.style.italic = false;
      else if (code === 24) this.style.underline = false;
      else if (code >= 30 && code <= 37) this.style.fg = code - 30;
      else if (code >= 90 && code <= 97) this.style.fg = code - 90 + 8;
      else if (code === 39) this.style.fg = null;
      else if (code >= 40 && code <= 47) this.style.bg = code - 40;
      else if (code >= 100 && code <= 107) this.style.bg = code - 100 + 8;
      else if (code === 49) this.style.bg = null;
      else if (code === 38 || code === 48) {
        // 38;5;N (palette) keeps N when it is one of the 16 named colours; 38;2;R;G;B is skipped.
        const mode = codes[index + 1];
        const value = codes[index + 2] ?? 0;
        if (mode === 5) {
          const palette = value < 16 ? value : null;
          if (code === 38) this.style.fg = palette;
          else this.style.bg = palette;
          index += 2;
        } else if (mode === 2) index += 4;
      }
    }
  }
}

function classesOf(style: Style): string[] {
  const classes: string[] = [];
  if (style.fg !== null) classes.push(`fg-${style.fg}`);
  if (style.bg !== null) classes.push(`bg-${style.bg}`);
  if (style.bold) classes.push('bold');
  if (style.dim) classes.push('dim');
  if (style.italic) classes.push('italic');
  if (style.underline) classes.push('underline');
  return classes;
}
