/**
 * Maps a path into the parsed document (`['stages', 1, 'jobs', 0, 'steps']`)
 * back to a 1-based line and column in the source text.
 */
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

export type Path = readonly (string | number)[];

/** What to point at: the key of the last path segment, or its value. */
export type Target = 'key' | 'value';

export interface Position {
  line: number;
  column: number;
}

/** `['stages', 1, 'jobs', 0, 'steps']` → `stages[1].jobs[0].steps`. */
export function formatPath(path: Path): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

/**
 * The position of the node at `path`. When the path leads nowhere (a missing
 * key) it falls back to the deepest node that exists, so a "missing key"
 * problem points at the mapping that lacks it. An empty value (`steps:`)
 * points at its key.
 */
export function locate(document: Document, lineCounter: LineCounter, path: Path, target: Target = 'value'): Position {
  let node: Node | null = resolve(document, document.contents);
  let keyNode: Node | null = null;
  for (const segment of path) {
    const step = child(document, node, segment);
    if (step === null) break;
    node = step.value;
    keyNode = step.key;
    if (node === null) break;
  }
  const emptyValue = node === null || (isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1]);
  const chosen = target === 'key' || emptyValue ? (keyNode ?? node) : node;
  const offset = chosen?.range?.[0];
  if (offset === undefined) return { line: 0, column: 0 };
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function child(
  document: Document,
  node: Node | null,
  segment: string | number,
): { key: Node | null; value: Node | null } | null {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key as Node | null;
      if (keyText(key) === String(segment)) {
        return { key, value: resolve(document, pair.value as Node | null) };
      }
    }
    return null;
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment] as Node | undefined;
    return item === undefined ? null : { key: null, value: resolve(document, item) };
  }
  return null;
}

function keyText(key: Node | null): string | null {
  if (key === null) return 'null';
  if (isScalar(key)) return String(key.value);
  return null;
}

function resolve(document: Document, node: Node | null): Node | null {
  if (isAlias(node)) return (node.resolve(document) as Node | undefined) ?? node;
  return node;
}

/** The source text of the scalar at `path` (`1.10` stays `1.10`), if there is one. */
export function scalarSource(document: Document, path: Path): string | undefined {
  let node: Node | null = resolve(document, document.contents);
  for (const segment of path) {
    const step = child(document, node, segment);
    if (step === null) return undefined;
    node = step.value;
  }
  return isScalar(node) ? node.source : undefined;
}
