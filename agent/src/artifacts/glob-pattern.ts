/**
 * The globs of `artifacts:`, matched against workspace-relative `/` paths:
 * `*` any characters within one segment, `**` as a whole segment any number
 * of segments (none included), `?` one character, `[abc]`/`[a-z]`/`[!a]` one
 * of a set; a leading `.` is matched like any other character. Anything else
 * is literal. A glob naming a directory (`dist`, `out/`) means everything in it.
 */

export interface GlobPattern {
  glob: string;
  /** The leading segments without wildcards: the only directory that can hold matches. */
  base: string;
  matches(path: string): boolean;
}

export function compileGlob(glob: string): GlobPattern {
  const segments = glob
    .replace(/\/+$/, '')
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.');
  const firstWild = segments.findIndex((segment) => /[*?[]/.test(segment));
  const base = (firstWild === -1 ? segments : segments.slice(0, firstWild)).join('/');
  // A plain path may name a file or a directory: a directory means its whole tree.
  const parts = firstWild === -1 ? [...segments, '**'] : segments;
  let source = '';
  parts.forEach((segment, index) => {
    const last = index === parts.length - 1;
    if (segment === '**') source += last ? '(?:.*)' : '(?:[^/]*/)*';
    else source += segmentSource(segment) + (last ? '' : '/');
  });
  const regex = new RegExp(`^${source}$`);
  const exact = firstWild === -1 ? segments.join('/') : null;
  return { glob, base, matches: (path) => path === exact || regex.test(path) };
}

function segmentSource(segment: string): string {
  let source = '';
  for (let index = 0; index < segment.length; index++) {
    const char = segment[index] ?? '';
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = segment.indexOf(']', index + 2);
      if (end === -1) source += '\\[';
      else {
        const body = segment.slice(index + 1, end);
        const negated = body.startsWith('!') || body.startsWith('^');
        const set = (negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&');
        source += negated ? `[^/${set}]` : `[${set}]`;
        index = end;
      }
    } else source += char.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return source;
}
