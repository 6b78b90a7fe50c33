/**
 * Test support: compiles agent modules that import only node built-ins into a
 * temporary directory, so a test can run them in a separate plain `node`
 * process (e.g. an "agent" it can kill -9) without a build step.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import ts from 'typescript';

/** Writes each `.ts` file as `<name>.js` (ESM) into a new temporary directory and returns it. */
export function transpileToTempDir(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-transpiled-'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  for (const file of files) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    writeFileSync(join(dir, basename(file).replace(/\.ts$/, '.js')), outputText);
  }
  return dir;
}
