#!/usr/bin/env node
// The README's tables of environment variables, generated from the declarations
// the code reads them with (controller/src/config-variables.ts,
// agent/src/config-variables.ts, the client's in controller/src/cli/client/connection.ts).
// `npm run docs:config` rewrites the README between the markers below;
// `node scripts/config-docs.mjs --check` exits 1 when the README is stale.
// Reads the built packages (npm run build first).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { agentVariables } from '@gantry/agent';
import { controllerVariables } from '@gantry/controller';
import { clientVariables } from '@gantry/controller/cli';

export const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
export const beginMarker = '<!-- config-variables:begin (npm run docs:config) -->';
export const endMarker = '<!-- config-variables:end -->';

/** Every table as markdown, one per process. */
export function renderConfigSection() {
  return [
    table('Controller (`gantry controller`, `gantry up`)', controllerVariables),
    table('Agent (`gantry agent`)', agentVariables),
    table('Client commands (`gantry trigger`, `runs`, `logs`, …)', clientVariables),
  ].join('\n\n');
}

function table(title, declarations) {
  const rows = Object.entries(declarations).map(([variable, declaration]) => [
    declaration.secret ? `\`${variable}\` / \`${variable}_FILE\`` : `\`${variable}\``,
    declaration.flag ? `\`--${declaration.flag}\`` : '',
    declaration.defaultText ?? (declaration.default === undefined ? '' : `\`${declaration.default}\``),
    declaration.help,
  ]);
  const header = ['variable', 'flag', 'default', 'meaning'];
  // Aligned columns, as Biome formats markdown tables.
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  const lines = [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
  return `${title}:\n\n${lines.join('\n')}`;
}

/** The README with its generated section replaced. */
export function renderReadme(readme) {
  const begin = readme.indexOf(beginMarker);
  const end = readme.indexOf(endMarker);
  if (begin === -1 || end < begin) throw new Error(`README.md: the markers ${beginMarker} … ${endMarker} are missing`);
  return `${readme.slice(0, begin + beginMarker.length)}\n\n${renderConfigSection()}\n\n${readme.slice(end)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const readme = readFileSync(readmePath, 'utf8');
  const next = renderReadme(readme);
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      process.stderr.write('README.md: the variable tables are stale; run npm run docs:config\n');
      process.exitCode = 1;
    }
  } else if (next !== readme) {
    writeFileSync(readmePath, next);
    process.stdout.write('README.md: variable tables updated\n');
  }
}
