/** Text shapes the client commands print: durations, timestamps, aligned tables. */

/** `850ms`, `1.2s`, `3m05s`, `1h02m`. */
export function formatDuration(durationMs: number): string {
  if (durationMs < 1000) return `${Math.max(0, Math.round(durationMs))}ms`;
  if (durationMs < 60_000) return `${(durationMs / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(durationMs / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m${pad2(totalSeconds % 60)}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)}h${pad2(totalMinutes % 60)}m`;
}

/** Duration between two API timestamps, or undefined when either is missing or unparsable. */
export function durationBetween(startedAt: string | null, finishedAt: string | null): number | undefined {
  if (startedAt === null || finishedAt === null) return undefined;
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `2024-05-01 12:03:04Z`: UTC, to the second, so every reader sees the same text. */
export function formatTimestamp(iso: string | null): string {
  if (iso === null) return '-';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export function shortSha(sha: string | null): string {
  return sha === null || sha === '' ? '-' : sha.slice(0, 7);
}

/**
 * Left-aligned columns separated by two spaces; one string per line, no
 * trailing spaces. `paint` may decorate a padded body cell (colour) without
 * changing the alignment. Cells go through printable: a table shows text other
 * people wrote (commit subjects, approval comments, names).
 */
export function formatTable(
  header: readonly string[],
  bodyRows: readonly (readonly string[])[],
  paint: (cell: string, column: number) => string = (cell) => cell,
): string[] {
  const rows = bodyRows.map((row) => row.map(printable));
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: readonly string[], painted: boolean) =>
    row
      .map((cell, column) => {
        const padded = cell.padEnd(widths[column] ?? 0);
        return painted ? paint(padded, column) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(header, false), ...rows.map((row) => line(row, true))];
}

/**
 * `text` with every control character (C0, DEL, C1: escape sequences, line
 * breaks, carriage returns), every bidirectional mark, embedding, override or
 * isolate (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069, which can
 * make a line read differently from what it holds), the line and paragraph
 * separators (U+2028-U+2029) and the invisible zero-width space and byte
 * order mark (U+200B, U+FEFF) shown as `\uXXXX`, so that what other people
 * wrote (names, comments, commit subjects, test names) can neither drive the
 * reader's terminal nor disguise or break the line it is printed on. The
 * zero-width joiners (U+200C-U+200D) stay: scripts and emoji need them.
 */
export function printable(text: string): string {
  return text.replace(controlCharacters, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** printable, line by line: line breaks stay. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what printed text must not carry
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/**
 * ` --flag value` for each flag that has a value, as a shell line that
 * repeats them. A value starting with `-` goes as `--flag=value`: after a
 * space it would read as a missing value.
 */
export function shellFlags(flags: readonly (readonly [flag: string, value: string | undefined])[]): string {
  return flags
    .map(([flag, value]) => {
      if (value === undefined) return '';
      return value.startsWith('-') ? ` ${flag}=${shellWord(value)}` : ` ${flag} ${shellWord(value)}`;
    })
    .join('');
}

/** `value` as one shell word: as it is when it is plain, else in single quotes. */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
