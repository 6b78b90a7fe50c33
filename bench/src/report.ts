/**
 * Figures and diagnostics of one bench run. Each figure is printed on stdout as
 * `name=value`, `name_baseline=value` and `name_ratio=value` (ratio = figure /
 * baseline, whatever the direction of "better"); diagnostics (evidence without
 * a baseline: phase breakdowns, DB round trips, CPU of other processes) as
 * `name=value`. Progress goes to stderr so stdout stays machine-readable.
 */
import { round } from './stats.js';

export interface Target {
  /** `<=`: the figure must not exceed `value`; `>=`: must reach it. */
  op: '<=' | '>=';
  value: number;
}

export interface Figure {
  name: string;
  unit: string;
  value: number;
  baseline: number;
  baselineWhat: string;
  ratio: number;
  samples?: number;
  target?: Target;
  /** The target compares the ratio instead of the value (job overhead: ≤ 1.3× direct). */
  targetOnRatio?: boolean;
  met?: boolean;
}

export interface FigureInput {
  name: string;
  unit: string;
  value: number;
  baseline: number;
  baselineWhat: string;
  samples?: number;
  target?: Target;
  targetOnRatio?: boolean;
}

export class Report {
  readonly figures: Figure[] = [];
  readonly diagnostics: Record<string, number | string> = {};
  readonly details: Record<string, unknown> = {};
  readonly errors: Record<string, string> = {};

  figure(input: FigureInput): Figure {
    const ratio = input.baseline === 0 ? Number.NaN : input.value / input.baseline;
    const compared = input.targetOnRatio ? ratio : input.value;
    const met =
      input.target === undefined || !Number.isFinite(compared)
        ? undefined
        : input.target.op === '<='
          ? compared <= input.target.value
          : compared >= input.target.value;
    const figure: Figure = { ...input, ratio, ...(met === undefined ? {} : { met }) };
    this.figures.push(figure);
    line(input.name, input.value);
    line(`${input.name}_baseline`, input.baseline);
    line(`${input.name}_ratio`, ratio);
    return figure;
  }

  diagnostic(name: string, value: number | string): void {
    this.diagnostics[name] = typeof value === 'number' ? round(value, 3) : value;
    line(name, value);
  }

  detail(name: string, value: unknown): void {
    this.details[name] = value;
  }

  error(scenario: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.errors[scenario] = message;
    line(`${scenario}_error`, JSON.stringify(message.split('\n')[0]));
  }

  targetSummary(): { met: string[]; missed: string[] } {
    const met = this.figures.filter((figure) => figure.met === true).map((figure) => figure.name);
    const missed = this.figures.filter((figure) => figure.met === false).map((figure) => figure.name);
    return { met, missed };
  }
}

function format(value: number | string): string {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  return String(Math.abs(value) >= 100 ? round(value, 1) : round(value, 3));
}

export function line(name: string, value: number | string): void {
  process.stdout.write(`${name}=${format(value)}\n`);
}

export function progress(message: string): void {
  const time = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${time}] ${message}\n`);
}
