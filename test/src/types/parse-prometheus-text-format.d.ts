/** Types of parse-prometheus-text-format (the package ships none): prom2json-shaped families. */
declare module 'parse-prometheus-text-format' {
  export interface PrometheusSample {
    value: string;
    labels?: Record<string, string>;
  }
  export interface PrometheusHistogramSample {
    labels?: Record<string, string>;
    /** Upper bound (`le`) → cumulative count, both as text. */
    buckets: Record<string, string>;
    count: string;
    sum: string;
  }
  export interface PrometheusFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: (PrometheusSample | PrometheusHistogramSample)[];
  }
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
