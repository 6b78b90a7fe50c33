/**
 * The README documents every variable the code reads and every flag is in the
 * generated help: the variable tables are generated from the declarations
 * (and must not be stale), and a scan of the sources finds no variable read
 * or named that the README leaves out.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { agentVariables } from '@gantry/agent';
import { controllerVariables } from '@gantry/controller';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const gantryBin = join(root, 'bin/gantry.mjs');

interface ConfigDocs {
  renderReadme(readme: string): string;
  beginMarker: string;
  endMarker: string;
}

/** Variables every process may read that are not Gantry's to document. */
const systemVariables = new Set(['PATH', 'HOME']);

/** Non-test TypeScript and JavaScript sources of the parts users run. */
function sources(): string[] {
  const files: string[] = [join(root, 'bin/gantry.mjs')];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'testing') walk(path);
      else if (/\.(ts|mjs)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) files.push(path);
    }
  };
  for (const dir of ['controller/src', 'agent/src']) walk(join(root, dir));
  return files;
}

function variableTables(): string {
  const begin = readme.indexOf('<!-- config-variables:begin');
  const end = readme.indexOf('<!-- config-variables:end -->');
  return readme.slice(begin, end);
}

describe('README configuration tables', () => {
  it('are what npm run docs:config generates from the declarations', async () => {
    const docs = (await import(pathToFileURL(join(root, 'scripts/config-docs.mjs')).href)) as ConfigDocs;
    expect(readme.includes(docs.beginMarker) && readme.includes(docs.endMarker)).toBe(true);
    expect(docs.renderReadme(readme), 'README.md is stale: run npm run docs:config').toBe(readme);
  });

  it('list every environment variable the code reads', () => {
    const tables = variableTables();
    const undocumented = new Set<string>();
    for (const file of sources()) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\benv(?:\.([A-Z_][A-Z0-9_]*)|\[['"]([A-Z_][A-Z0-9_]*)['"]\])/g)) {
        const variable = match[1] ?? match[2] ?? '';
        if (!systemVariables.has(variable) && !tables.includes(`\`${variable}\``)) {
          undocumented.add(`${variable} (${file.slice(root.length)})`);
        }
      }
    }
    expect([...undocumented]).toEqual([]);
  });

  it('mention every GANTRY_* name the code uses (step variables and the stream name anywhere in the README)', () => {
    const missing = new Set<string>();
    for (const file of sources()) {
      for (const [name] of readFileSync(file, 'utf8').matchAll(/\bGANTRY_[A-Z][A-Z0-9_]*\b/g)) {
        if (!readme.includes(name)) missing.add(`${name} (${file.slice(root.length)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});

describe('generated help', () => {
  const help = (args: string[]) => spawnSync(process.execPath, [gantryBin, ...args], { encoding: 'utf8' });

  it('of gantry controller names every controller flag and variable', () => {
    const result = help(['controller', '--help']);
    expect(result.status).toBe(0);
    for (const [variable, declaration] of Object.entries(controllerVariables)) {
      expect(result.stdout).toContain(variable);
      if ('flag' in declaration) expect(result.stdout).toContain(`--${declaration.flag}`);
    }
  });

  it('of gantry agent names every agent flag and variable', () => {
    const result = help(['agent', '--help']);
    expect(result.status).toBe(0);
    for (const [variable, declaration] of Object.entries(agentVariables)) {
      expect(result.stdout).toContain(variable);
      if ('flag' in declaration) expect(result.stdout).toContain(`--${declaration.flag}`);
    }
    expect(result.stdout).toContain('--token-file');
  });

  it('exits 2 naming an unknown flag of gantry agent', () => {
    const result = help(['agent', '--bogus-flag']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Unknown argument: bogus-flag');
  });
});
