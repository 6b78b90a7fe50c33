/**
 * Reading a Prometheus text exposition in tests. The document is parsed (and
 * so validated) by parse-prometheus-text-format, which gives each family's
 * type and its gauge and counter samples; it folds the label sets of a
 * labelled histogram into one, so `sampleSum` reads `_count` and `_bucket`
 * series straight from their sample lines.
 */
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';

export interface Exposition {
  families: Map<string, PrometheusFamily>;
  /** Sum of the samples named `name` whose labels include `labels` (0 when none). */
  sampleSum(name: string, labels?: Record<string, string>): number;
  /** Label sets of the samples named `name`. */
  labelSets(name: string): Record<string, string>[];
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function readExposition(text: string): Exposition {
  const families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
  const samples = text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = sampleLine.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(labelPair)].map((pair) => [pair[1], pair[2]]));
      return { name: match[1], labels: labels as Record<string, string>, value: Number(match[3]) };
    });
  const matching = (name: string, labels: Record<string, string>) =>
    samples.filter(
      (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );
  return {
    families,
    sampleSum: (name, labels = {}) => matching(name, labels).reduce((sum, sample) => sum + sample.value, 0),
    labelSets: (name) => matching(name, {}).map((sample) => sample.labels),
  };
}
