/**
 * The globs of `on:` and `if:` (branch, tag and path names): `*` matches
 * within one `/`-separated part, `**` across parts (`**\/` also matches no
 * part at all), `?` one character other than `/`; everything else is itself.
 *
 * Globs come from pushed `.gantry.yml` files, so matching must not backtrack:
 * a glob is compiled once into a small automaton (one state per token) and a
 * name is read once, left to right, carrying the set of states it may be in
 * as a bit set. A match costs O(name length × glob length / 32) whatever the
 * glob, instead of the exponential worst case of a backtracking RegExp.
 */

/** A compiled glob (or list of globs): true when `name` matches as a whole. */
export type GlobMatcher = (name: string) => boolean;

/** True when `name` matches `pattern` as a whole. */
export function matchesGlob(pattern: string, name: string): boolean {
  return cachedGlob(pattern)(name);
}

/** True when `name` matches any of `patterns`. */
export function matchesAnyGlob(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => matchesGlob(pattern, name));
}

/** Compiles `pattern` once, for matching many names. */
export function compileGlob(pattern: string): GlobMatcher {
  return compile(tokenize(pattern));
}

/** matchesGlob's compiled globs, so callers matching many names against the same globs compile each once. */
const CACHE_SIZE = 512;
const cache = new Map<string, GlobMatcher>();

function cachedGlob(pattern: string): GlobMatcher {
  let matcher = cache.get(pattern);
  if (matcher === undefined) {
    matcher = compileGlob(pattern);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(pattern, matcher);
  }
  return matcher;
}

// Token kinds. A literal is its UTF-16 code unit (>= 0); `?` matches one code
// unit other than `/`, as the RegExp without the `u` flag did.
/** `?`: one character other than `/`. */
const ONE = -1;
/** `*`: any characters other than `/`. */
const STAR = -2;
/** `**`: any characters. */
const ANY = -3;
/** `**\/`: nothing, or any characters ending with `/`. */
const DIRS = -4;

const SLASH = 0x2f;

/** The tokens of `pattern`, runs of wildcards folded into the one they amount to. */
function tokenize(pattern: string): number[] {
  const tokens: number[] = [];
  for (let index = 0; index < pattern.length; index++) {
    const code = pattern.charCodeAt(index);
    if (code === 0x2a /* * */ && pattern.charCodeAt(index + 1) === 0x2a) {
      if (pattern.charCodeAt(index + 2) === SLASH) {
        pushWildcard(tokens, DIRS);
        index += 2;
      } else {
        pushWildcard(tokens, ANY);
        index += 1;
      }
    } else if (code === 0x2a) {
      pushWildcard(tokens, STAR);
    } else if (code === 0x3f /* ? */) {
      tokens.push(ONE);
    } else {
      tokens.push(code);
    }
  }
  return tokens;
}

/**
 * Appends a wildcard, folding it into a wildcard just before it when the two
 * match the same names as one: `**` next to any wildcard is `**`, and `*` `*`
 * or `**\/` `**\/` are one. What stays is at most `**\/` then `*`.
 */
function pushWildcard(tokens: number[], kind: number): void {
  const last = tokens.at(-1);
  if (last === STAR || last === ANY || last === DIRS) {
    const folded = last === ANY || kind === ANY ? ANY : last === kind ? kind : undefined;
    if (folded !== undefined) {
      tokens.pop();
      pushWildcard(tokens, folded);
      return;
    }
  }
  tokens.push(kind);
}

function compile(tokens: readonly number[]): GlobMatcher {
  // A literal head and tail are compared directly; the automaton runs on what lies between.
  let head = 0;
  while (head < tokens.length && tokens[head]! >= 0) head++;
  if (head === tokens.length) {
    const literal = text(tokens);
    return (name) => name === literal;
  }
  let tail = tokens.length;
  while (tokens[tail - 1]! >= 0) tail--;
  const prefix = text(tokens.slice(0, head));
  const suffix = text(tokens.slice(tail));
  const middle = tokens.slice(head, tail);
  const minimum = tokens.filter((token) => token >= 0 || token === ONE).length;
  const run = automaton(middle);
  return (name) =>
    name.length >= minimum &&
    name.startsWith(prefix) &&
    name.endsWith(suffix) &&
    run(name, prefix.length, name.length - suffix.length);
}

function text(literals: readonly number[]): string {
  return literals.map((code) => String.fromCharCode(code)).join('');
}

/**
 * A Shift-And automaton for `tokens`: state i means "the tokens before i
 * matched"; bit i of a word array stands for state i, and state
 * tokens.length accepts. Reading a character, a state moves on when its
 * token takes the character (a literal, `?` on anything but `/`, `**\/` on
 * `/`) and stays when its token repeats on it (`*` on anything but `/`, `**`
 * and `**\/` on anything). A wildcard may also match nothing more: a state
 * reached at a wildcard also holds the next one, and a `*` or `**` staying
 * does too; a `**\/` staying does not (once it has taken a character it must
 * end with `/`).
 */
function automaton(tokens: readonly number[]): (name: string, start: number, end: number) => boolean {
  const states = tokens.length + 1;
  const words = (states + 31) >>> 5;
  // Character classes: 0 any other character, 1 `/`, then each other literal of the glob.
  const asciiClass = new Int32Array(128);
  const otherClass = new Map<number, number>();
  asciiClass[SLASH] = 1;
  let classes = 2;
  for (const token of tokens) {
    if (token < 0 || token === SLASH) continue;
    if (token < 128) {
      if (asciiClass[token] === 0) asciiClass[token] = classes++;
    } else if (!otherClass.has(token)) {
      otherClass.set(token, classes++);
    }
  }
  const advance = new Uint32Array(classes * words);
  const stayOther = new Uint32Array(words);
  const staySlash = new Uint32Array(words);
  /** Wildcards a state may skip when reached. */
  const skipOnArrival = new Uint32Array(words);
  /** Wildcards a state may skip after repeating (not `**\/`). */
  const skipAfterStaying = new Uint32Array(words);
  tokens.forEach((token, state) => {
    const word = state >>> 5;
    const bit = (1 << (state & 31)) >>> 0;
    if (token >= 0) {
      const kind = token < 128 ? asciiClass[token]! : otherClass.get(token)!;
      advance[kind * words + word]! |= bit;
      return;
    }
    if (token === ONE) {
      for (let kind = 0; kind < classes; kind++) if (kind !== 1) advance[kind * words + word]! |= bit;
      return;
    }
    skipOnArrival[word]! |= bit;
    stayOther[word]! |= bit;
    if (token !== STAR) staySlash[word]! |= bit;
    if (token !== DIRS) skipAfterStaying[word]! |= bit;
    if (token === DIRS) advance[words + word]! |= bit;
  });
  const acceptWord = tokens.length >>> 5;
  const acceptBit = (1 << (tokens.length & 31)) >>> 0;
  const current = new Uint32Array(words);
  const arrived = new Uint32Array(words);

  /** Adds to `arrived` the states its wildcards skip to (at most two rounds: `**\/` then `*`). */
  const skip = (): void => {
    let changed = true;
    while (changed) {
      changed = false;
      let carry = 0;
      for (let word = 0; word < words; word++) {
        const skipping = arrived[word]! & skipOnArrival[word]!;
        const next = (arrived[word]! | (skipping << 1) | carry) >>> 0;
        carry = skipping >>> 31;
        if (next !== arrived[word]) {
          arrived[word] = next;
          changed = true;
        }
      }
    }
  };

  return (name, start, end) => {
    arrived.fill(0);
    arrived[0] = 1;
    skip();
    current.set(arrived);
    for (let index = start; index < end; index++) {
      const code = name.charCodeAt(index);
      const kind = code < 128 ? asciiClass[code]! : (otherClass.get(code) ?? 0);
      const stay = code === SLASH ? staySlash : stayOther;
      const base = kind * words;
      let carry = 0;
      for (let word = 0; word < words; word++) {
        const set = current[word]!;
        const staying = set & stay[word]!;
        const leaving = (set & advance[base + word]!) | (staying & skipAfterStaying[word]!);
        arrived[word] = ((leaving << 1) | carry) >>> 0;
        carry = leaving >>> 31;
        current[word] = staying;
      }
      skip();
      let alive = 0;
      for (let word = 0; word < words; word++) {
        const next = (current[word]! | arrived[word]!) >>> 0;
        current[word] = next;
        alive |= next;
      }
      if (alive === 0) return false;
    }
    return (current[acceptWord]! & acceptBit) !== 0;
  };
}
