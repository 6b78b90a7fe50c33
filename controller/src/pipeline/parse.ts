/**
 * `parsePipeline`: `.gantry.yml` text in, a validated and matrix-expanded
 * `PipelineDefinition` or every problem with its line and column out. A
 * pipeline over one of `limits` is refused before its matrices are expanded. Pure:
 * called by whoever fetched the file (run planning, the CLI's lint), any
 * number of times, with no side effects.
 */
import { type Document, isScalar, LineCounter, parseDocument, visit, type YAMLError } from 'yaml';
import { readCaches } from './cache.js';
import { DEFAULT_PIPELINE_LIMITS, formatBytes, overLimit, type PipelineLimits, utf8Bytes } from './limits.js';
import type { PipelineDefinition, PipelineProblem } from './model.js';
import { readPlainEnv } from './plain-env.js';
import { checkPlanSize } from './plan-size.js';
import { ProblemCollector } from './problems.js';
import { resolveStages } from './references.js';
import { describe, readMapping, readName, reportMissing } from './schema.js';
import { readStage, type StageSpec } from './stage.js';
import { readOn } from './triggers.js';

export { formatPipelineProblems, PipelineError } from './problems.js';

export type ParseResult = { ok: true; pipeline: PipelineDefinition } | { ok: false; problems: PipelineProblem[] };

export const PIPELINE_KEYS = ['name', 'on', 'env', 'cache', 'stages'];
/** Bounds what a few aliases can blow up into (the "billion laughs" file). */
const MAX_ALIAS_COUNT = 100;

export function parsePipeline(text: string, limits: PipelineLimits = DEFAULT_PIPELINE_LIMITS): ParseResult {
  const bytes = utf8Bytes(text);
  if (bytes > limits.maxPipelineBytes) {
    const message = `the file is ${formatBytes(bytes)}, ${overLimit(limits, 'maxPipelineBytes', 'bytes')}`;
    return fail([{ path: '', line: 0, column: 0, message }]);
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false });
  const problems = new ProblemCollector(document, lineCounter);

  const syntaxProblems = readSyntaxErrors(document, lineCounter, text);
  // Past a real syntax error the tree is a guess; report only what YAML found.
  if (document.errors.some((error) => error.code !== 'DUPLICATE_KEY')) return { ok: false, problems: syntaxProblems };
  problems.problems.push(...syntaxProblems);

  if (document.contents === null || (isScalar(document.contents) && document.contents.value === null)) {
    return fail([
      { path: '', line: 0, column: 0, message: 'the pipeline file is empty; it needs at least "name" and "stages"' },
    ]);
  }

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // An unresolved alias was already reported where it stands.
    if (problems.problems.length === 0) {
      const message = error instanceof Error ? error.message : String(error);
      problems.report([], `cannot expand aliases: ${message}`);
    }
    return fail(problems.problems);
  }

  const pipeline = readMapping(problems, value, [], PIPELINE_KEYS, 'the top level of .gantry.yml');
  if (pipeline === undefined) return fail(problems.problems);

  if (pipeline.name === undefined) reportMissing(problems, [], 'name');
  const name = pipeline.name === undefined ? undefined : readName(problems, pipeline.name, ['name']);

  const env = readPlainEnv(problems, pipeline.env, ['env'], 'pipeline');
  const on = readOn(problems, pipeline.on, ['on']);
  const caches = readCaches(problems, pipeline.cache, ['cache']) ?? [];

  const stages: StageSpec[] = [];
  if (pipeline.stages === undefined) {
    reportMissing(problems, [], 'stages');
  } else if (!Array.isArray(pipeline.stages) || pipeline.stages.length === 0) {
    problems.report(['stages'], `stages must be a non-empty list of stages (got ${describe(pipeline.stages)})`);
  } else {
    pipeline.stages.forEach((entry: unknown, index) => {
      const stage = readStage(problems, entry, ['stages', index], limits);
      if (stage !== undefined) stages.push(stage);
    });
  }
  checkUniqueStageNames(problems, stages);
  if (!checkPlanSize(problems, stages, env, limits)) return fail(problems.problems);

  const resolved = resolveStages(problems, stages, env, caches);
  if (problems.problems.length > 0 || name === undefined) return fail(problems.problems);
  return { ok: true, pipeline: { name, env: Object.fromEntries(env), on, stages: resolved } };
}

function fail(problems: PipelineProblem[]): ParseResult {
  return { ok: false, problems: [...problems].sort((a, b) => a.line - b.line || a.column - b.column) };
}

function readSyntaxErrors(document: Document, lineCounter: LineCounter, text: string): PipelineProblem[] {
  const problems: PipelineProblem[] = [];
  for (const error of document.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    // One broken line often yields several errors; the first one says it.
    if (problems.some((problem) => problem.line === line)) continue;
    problems.push({ path: '', line, column: col, message: syntaxMessage(error, text) });
  }
  visit(document, {
    Alias(_key, alias) {
      if (alias.resolve(document) !== undefined) return;
      const { line, col } = lineCounter.linePos(alias.range?.[0] ?? 0);
      problems.push({
        path: '',
        line,
        column: col,
        message: `alias "*${alias.source}" refers to no anchor defined before it`,
      });
    },
  });
  return problems;
}

function syntaxMessage(error: YAMLError, text: string): string {
  if (error.code === 'DUPLICATE_KEY') {
    const key = /^[^:\n]*/
      .exec(text.slice(error.pos[0]))?.[0]
      .trim()
      .replace(/^(["'])(.*)\1$/, '$2');
    return `duplicate key "${key}"`;
  }
  if (error.code === 'MULTIPLE_DOCS') return 'the file holds more than one YAML document; remove the extra "---"';
  return `invalid YAML: ${error.message}`;
}

function checkUniqueStageNames(problems: ProblemCollector, stages: readonly StageSpec[]): void {
  const seen = new Map<string, StageSpec>();
  for (const stage of stages) {
    if (stage.name === undefined) continue;
    const earlier = seen.get(stage.name);
    if (earlier === undefined) {
      seen.set(stage.name, stage);
      continue;
    }
    const line = problems.lineOf([...earlier.path, 'name']);
    problems.report([...stage.path, 'name'], `duplicate stage name "${stage.name}" (first used on line ${line})`);
  }
}
