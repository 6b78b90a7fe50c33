/**
 * The repository stands alone: no file it tracks points at a document or a
 * path outside it (a sibling folder, a design note kept elsewhere), and every
 * relative link in its Markdown resolves to a file it tracks.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((file) => file !== '' && !file.endsWith('package-lock.json') && existsSync(join(root, file)));
const textFiles = tracked.filter((file) => /\.(ts|mjs|cjs|js|md|json|yml|yaml|sh|proto)$|(^|\/)run$/.test(file));

/** References to what lives outside the repository. */
const outside = [/\.\.\/shared\b/, /\bDESIGN(\.md)? §/, /\bFIELD-NOTES\b/, /\bSTYLE\.md\b/, /\/work\/(main|shared)\b/];

describe('the repository is self-contained', () => {
  it('no tracked file refers to a path or document outside the repository', () => {
    const hits: string[] = [];
    for (const file of textFiles) {
      if (file === relative(root, fileURLToPath(import.meta.url))) continue;
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (outside.some((pattern) => pattern.test(line))) hits.push(`${file}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(hits).toEqual([]);
  });

  it('every relative link in the Markdown files points at a tracked file', () => {
    const broken: string[] = [];
    for (const file of textFiles.filter((name) => name.endsWith('.md'))) {
      for (const [, target] of readFileSync(join(root, file), 'utf8').matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)) {
        if (!target || /^[a-z]+:/i.test(target)) continue;
        const resolved = relative(root, join(root, dirname(file), target));
        if (!tracked.includes(resolved) && !tracked.some((name) => name.startsWith(`${resolved}/`))) {
          broken.push(`${file}: ${target}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
