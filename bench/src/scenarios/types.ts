import type { PostgresServer } from '../../../test/src/harness/index.js';
import type { Report } from '../report.js';

export interface ScenarioContext {
  postgres: PostgresServer;
  quick: boolean;
  report: Report;
  /** Set by --profile: where the controller and agents write V8 CPU profiles. */
  profileDir: string | undefined;
  /** Set by --perf: where to write perf(1) recordings of the measured window (throughput). */
  perfDir: string | undefined;
}

export interface Scenario {
  name: string;
  /** One line for --help. */
  description: string;
  run(context: ScenarioContext): Promise<void>;
}
