import { describe, expect, it } from 'vitest';
import { SecretMasker } from './secret-masker.js';

/** Feeds `pieces` one write at a time, then flushes, as a step's output arrives. */
function masked(values: string[], pieces: string[]): string {
  const masker = new SecretMasker(values);
  const out = pieces.map((piece) => masker.push(Buffer.from(piece)).toString());
  return out.join('') + masker.flush().toString();
}

const secret = 's3cr3t-deploy-key';

describe('SecretMasker', () => {
  it('masks a value printed whole, and keeps the text around it', () => {
    expect(masked([secret], [`key=${secret} done\n`])).toBe('key=*** done\n');
  });

  it.each([1, 2, 5, secret.length - 1])('masks a value split across two writes after %i bytes', (split) => {
    expect(masked([secret], [`a ${secret.slice(0, split)}`, `${secret.slice(split)} b`])).toBe('a *** b');
  });

  it('masks a value arriving one byte per write', () => {
    expect(masked([secret], [...`<${secret}>`])).toBe('<***>');
  });

  it('masks its base64, standard and url-safe, padded or not, and as `echo | base64` encodes it', () => {
    const value = 'pa?ss>wo~rd!'; // base64 and base64url differ for it
    const standard = Buffer.from(value).toString('base64');
    const urlSafe = Buffer.from(value).toString('base64url');
    const withNewline = Buffer.from(`${value}\n`).toString('base64');
    expect(standard).not.toBe(urlSafe);
    const out = masked([value], [`${standard}\n${urlSafe}\n${withNewline}\n`]);
    expect(out).not.toContain(standard.replace(/=+$/, ''));
    expect(out).not.toContain(urlSafe);
    expect(out).not.toContain(withNewline.slice(0, 12));
  });

  it('masks every line of the base64 of a long value, as `base64` wraps it at 76 characters', () => {
    const value = 'k'.repeat(40) + '?>~'.repeat(20); // 100 bytes: more than one 57-byte line
    const wrapped = (bytes: Buffer) =>
      `${bytes
        .toString('base64')
        .replace(/(.{76})/g, '$1\n')
        .replace(/\n?$/, '\n')}`;
    const printed = wrapped(Buffer.from(value));
    const echoed = wrapped(Buffer.from(`${value}\n`));
    expect(printed.split('\n').filter(Boolean)).toHaveLength(2);
    const out = masked([value], [printed, echoed]);
    // Left: the padding, and for `echo` the character that holds the value's last bits and the newline's.
    expect(out).toBe('***\n***==\n***\n***o=\n');
  });

  it('masks each line of a multi-line secret, printed alone or together', () => {
    const key = '-----BEGIN KEY-----\nMIIBlineone\r\nMIIBlinetwo\n-----END KEY-----';
    const out = masked([key], ['first: MIIBlinetwo\n', `${key}\n`, 'then -----END KEY----- too\n']);
    expect(out).toBe('first: ***\n***\nthen *** too\n');
  });

  it('covers overlapping secrets with one mask, leaving no piece of either', () => {
    expect(masked(['abcdef12', 'ef12ghij'], ['xabcdef12ghijx'])).toBe('x***x');
  });

  // `a` ends with the 4 bytes `b` starts with; printed as `a` and then the rest of `b`, both are one run of secret bytes.
  const a = `q7Rk2Lm9Vz4Tp1Hx8Nc3Bd6Fs0wxyz`;
  const b = `wxyzGj5Ye2Ua7Wo9Ki4Ql1Zr8Xt3Pn`;

  // The longest pattern (`a`'s base64) holds back 39 bytes, so `a` crosses the part a write releases when the
  // write ends 10 to 38 bytes after `a` does: the old masker released `a` with `b`'s start and then showed `b`'s rest.
  it.each([0, 5, 10, 15, 20, 26])(
    'masks a secret overlapping the one before it, split %i bytes after that ends',
    (split) => {
      const pieces = [`run: ${a}${b.slice(4, 4 + split)}`, `${b.slice(4 + split)} ok\n`];
      expect(masked([a, b], pieces)).toBe('run: *** ok\n');
    },
  );

  /** Every substring of `value` of `minMaskedBytes` (4) bytes that `out` shows. */
  function leaks(values: string[], out: string): string[] {
    const pieces = values.flatMap((value) => [...value].map((_, at) => value.slice(at, at + 4)));
    return pieces.filter((piece) => piece.length === 4 && out.includes(piece));
  }

  // Outputs in which the secrets' bytes occur only within whole occurrences, so the masked text may show none of them.
  const cases: { name: string; values: string[]; output: string; expected: string }[] = [
    {
      name: 'overlapping (a suffix of one starts the other)',
      values: [a, b],
      output: `one ${a}${b.slice(4)} two ${b} three ${a}\nfour ${b}${a} five\n`,
      expected: 'one *** two *** three ***\nfour *** five\n',
    },
    {
      name: 'nested (one inside the other)',
      values: ['token-Vb81Qe7Hs2Kd', 'Qe7Hs2Kd'],
      output: 'a token-Vb81Qe7Hs2Kd b Qe7Hs2Kd c token-Vb81Qe7Hs2Kd-x\n',
      expected: 'a *** b *** c ***-x\n',
    },
    {
      name: 'overlapping itself',
      values: ['Zq9Zq9Zq9'],
      output: 'x Zq9Zq9Zq9Zq9Zq9 y Zq9Zq9Zq9 z\n',
      expected: 'x *** y *** z\n',
    },
    {
      name: 'not overlapping, touching or apart',
      values: ['Mk3Pw8Ty5Rn', 'Hc4Jv7Ld2Gs'],
      output: 'p Mk3Pw8Ty5RnHc4Jv7Ld2Gs q Hc4Jv7Ld2Gs r Mk3Pw8Ty5Rn s\n',
      expected: 'p *** q *** r *** s\n',
    },
  ];

  describe.each(cases)('with secrets $name', ({ values, output, expected }) => {
    it('masks every byte of every occurrence, each run as one ***, when written at once', () => {
      expect(masked(values, [output])).toBe(expected);
      expect(leaks(values, expected)).toEqual([]);
    });

    it('gives the same text however the output is split into two or three writes', () => {
      const wrong: string[] = [];
      for (let i = 0; i <= output.length; i++) {
        const out = masked(values, [output.slice(0, i), output.slice(i)]);
        if (out !== expected) wrong.push(`split at ${i}: ${out}`);
      }
      for (let i = 0; i <= output.length; i += 4) {
        for (let j = i; j <= output.length; j += 7) {
          const out = masked(values, [output.slice(0, i), output.slice(i, j), output.slice(j)]);
          if (out !== expected) wrong.push(`split at ${i}, ${j}: ${out}`);
        }
      }
      expect(wrong).toEqual([]);
    });

    it('gives the same text written one byte at a time', () => {
      expect(masked(values, [...output])).toBe(expected);
    });
  });

  it('loses no output and holds back only a possible start of a secret', () => {
    const masker = new SecretMasker([secret]);
    const text = 'hello world, nothing secret in this line at all\n';
    const released = masker.push(Buffer.from(text)).toString();
    // The longest pattern is the 17-byte value's unpadded base64 (23 characters): 22 bytes wait for the next write.
    expect(released).toBe(text.slice(0, text.length - 22));
    expect(released + masker.flush().toString()).toBe(text);
    expect(masker.flush().toString()).toBe('');
  });

  it('passes output through untouched without secrets', () => {
    const masker = new SecretMasker([]);
    expect(masker.active).toBe(false);
    expect(masker.push(Buffer.from('as is')).toString()).toBe('as is');
  });
});
