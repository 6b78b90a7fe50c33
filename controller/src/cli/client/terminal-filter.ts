/**
 * Makes a job's output safe to write to the reader's terminal. A job's log is
 * written by whatever the commit runs, so it may carry escape sequences that
 * retitle the window, rewrite the clipboard (OSC 52), move the cursor over
 * earlier lines, or change terminal modes. On a terminal only text, tab,
 * newline, carriage return and colour (SGR: `ESC [ … m`) pass; every other
 * control sequence is dropped whole, also when it is split across chunks.
 * Colour is dropped too when `keepColor` is false (NO_COLOR).
 *
 * Works on bytes: UTF-8 text passes unchanged, except the C1 controls
 * (U+0080–U+009F, two bytes `C2 80`–`C2 9F`), which some terminals obey as
 * 8-bit CSI/OSC introducers.
 */

const ESC = 0x1b;
const BEL = 0x07;

/** Longest control sequence kept in memory while waiting for its end; longer ones are dropped as they go. */
const MAX_SEQUENCE_BYTES = 256;

type State =
  | 'text'
  | 'escape' // after ESC
  | 'csi' // after ESC [
  | 'string' // OSC/DCS/SOS/PM/APC body, until BEL or ESC \
  | 'string-escape' // ESC inside a string (maybe ST)
  | 'escape-intermediate' // ESC followed by 0x20–0x2F bytes (charset selection and the like)
  | 'c2'; // a 0xC2 lead byte whose follower decides if it is a C1 control

export class TerminalFilter {
  #state: State = 'text';
  #sequence: number[] = [];
  #sequenceTooLong = false;
  readonly #keepColor: boolean;

  constructor(options: { keepColor: boolean }) {
    this.#keepColor = options.keepColor;
  }

  /** The bytes of `chunk` that may reach a terminal; incomplete sequences wait for the next chunk. */
  write(chunk: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const byte of chunk) this.#step(byte, out);
    return Uint8Array.from(out);
  }

  #step(byte: number, out: number[]): void {
    switch (this.#state) {
      case 'text':
        if (byte === ESC) this.#begin('escape', byte);
        else if (byte === 0xc2) this.#state = 'c2';
        else if (byte >= 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) {
          if (byte !== 0x7f) out.push(byte);
        }
        return;
      case 'c2':
        this.#state = 'text';
        if (byte >= 0x80 && byte <= 0x9f) return; // a C1 control: dropped
        out.push(0xc2);
        this.#step(byte, out);
        return;
      case 'escape':
        if (byte === 0x5b) this.#continue('csi', byte);
        else if (byte === 0x5d || byte === 0x50 || byte === 0x58 || byte === 0x5e || byte === 0x5f) {
          this.#state = 'string';
        } else if (byte >= 0x20 && byte <= 0x2f) this.#state = 'escape-intermediate';
        else this.#state = 'text'; // a two-byte escape (ESC 7, ESC c, …): dropped
        return;
      case 'escape-intermediate':
        if (byte < 0x20 || byte > 0x2f) this.#state = 'text';
        return;
      case 'csi':
        if (byte >= 0x40 && byte <= 0x7e) {
          if (byte === 0x6d && this.#keepColor && !this.#sequenceTooLong && isPlainSgr(this.#sequence)) {
            out.push(...this.#sequence, byte);
          }
          this.#state = 'text';
        } else if (byte < 0x20 || byte > 0x3f) {
          // Not a CSI byte: the sequence is malformed; drop it and read this byte as text.
          this.#state = 'text';
          this.#step(byte, out);
        } else this.#continue('csi', byte);
        return;
      case 'string':
        if (byte === BEL) this.#state = 'text';
        else if (byte === ESC) this.#state = 'string-escape';
        return;
      case 'string-escape':
        this.#state = byte === 0x5c ? 'text' : 'string';
        return;
    }
  }

  #begin(state: State, byte: number): void {
    this.#state = state;
    this.#sequence = [byte];
    this.#sequenceTooLong = false;
  }

  #continue(state: State, byte: number): void {
    this.#state = state;
    if (this.#sequence.length < MAX_SEQUENCE_BYTES) this.#sequence.push(byte);
    else this.#sequenceTooLong = true;
  }
}

/** `ESC [` then only digits and `;` (or `:` for extended colours): a colour or text attribute. */
function isPlainSgr(sequence: number[]): boolean {
  for (let i = 2; i < sequence.length; i++) {
    const byte = sequence[i] as number;
    if (!((byte >= 0x30 && byte <= 0x39) || byte === 0x3b || byte === 0x3a)) return false;
  }
  return true;
}
