import type { Readable } from 'node:stream';

/**
 * The last `maxChars` characters of a child's stdout and stderr, interleaved in arrival
 * order, kept in memory so a failing test can print what the process said.
 */
export class CapturedOutput {
  private chunks: string[] = [];
  private chars = 0;
  private droppedChars = 0;

  constructor(private readonly maxChars = 1_000_000) {}

  /** Appends everything `stream` emits from now on. */
  capture(stream: Readable | null): void {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => this.append(chunk));
  }

  append(chunk: string): void {
    this.chunks.push(chunk);
    this.chars += chunk.length;
    while (this.chars > this.maxChars && this.chunks.length > 1) {
      const dropped = this.chunks.shift() ?? '';
      this.chars -= dropped.length;
      this.droppedChars += dropped.length;
    }
  }

  text(): string {
    const prefix = this.droppedChars > 0 ? `[… ${this.droppedChars} earlier characters dropped]\n` : '';
    return prefix + this.chunks.join('');
  }
}
