/**
 * Collects every problem found while reading a pipeline, each placed at its
 * line and column. Validators call `report` and keep going; `parsePipeline`
 * returns the whole list.
 */
import type { Document, LineCounter } from 'yaml';
import { formatPath, locate, type Path, scalarSource, type Target } from './locate.js';
import type { PipelineProblem } from './model.js';

export class ProblemCollector {
  readonly problems: PipelineProblem[] = [];

  constructor(
    private readonly document: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /** Records a problem at `path`; `target` says whether to point at the key or the value. */
  report(path: Path, message: string, target: Target = 'value'): void {
    const { line, column } = locate(this.document, this.lineCounter, path, target);
    this.problems.push({ path: formatPath(path), line, column, message });
  }

  /** The 1-based line of the node at `path` (for "first defined at line N"). */
  lineOf(path: Path): number {
    return locate(this.document, this.lineCounter, path).line;
  }

  /** The scalar's text as written, so `1.10` is not read back as `1.1`. */
  sourceOf(path: Path): string | undefined {
    return scalarSource(this.document, path);
  }
}

/** One problem a line: `.gantry.yml:LINE:COL: PATH: MESSAGE` (position or path left out when unknown). */
export function formatPipelineProblems(problems: readonly PipelineProblem[], fileName = '.gantry.yml'): string {
  return problems
    .map((problem) => {
      const where = problem.line > 0 ? `${fileName}:${problem.line}:${problem.column}` : fileName;
      return problem.path === '' ? `${where}: ${problem.message}` : `${where}: ${problem.path}: ${problem.message}`;
    })
    .join('\n');
}

/** Thrown by callers that cannot go on with an invalid pipeline; the message lists every problem. */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  readonly code = 'PIPELINE_INVALID';
  readonly problems: readonly PipelineProblem[];

  constructor(problems: readonly PipelineProblem[], options?: { fileName?: string; cause?: unknown }) {
    super(formatPipelineProblems(problems, options?.fileName), { cause: options?.cause });
    this.problems = problems;
  }
}
