/**
 * The agent's Prometheus instruments, in a registry of its own. Slots and
 * connection states are read when scraped from `AgentState`; jobs and claims
 * are counted as they end.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What the agent is doing right now; read at scrape time and by /healthz. */
export interface AgentState {
  readonly slots: number;
  busySlots(): number;
  /** The controller accepted this agent's Register. */
  registered(): boolean;
  /** Its Connect stream to the controller is open. */
  controllerConnected(): boolean;
  natsConnected(): boolean;
}

/** How an attempt ended on this agent: the reported result, or why nothing was reported. */
export type JobEnding = 'succeeded' | 'failed' | 'timed_out' | 'canceled' | 'lease_lost' | 'killed' | 'error';

export type ClaimOutcome = 'granted' | 'denied' | 'error';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly #jobs = new Counter({
    name: 'gantry_agent_jobs_total',
    help: 'Attempts this agent ran, by how they ended (lease_lost, killed and error were not reported).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly #claims = new Histogram({
    name: 'gantry_agent_claim_duration_seconds',
    help: 'ClaimJob round trips to the controller, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(state: AgentState) {
    const flag = (name: string, help: string, read: () => boolean | number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(Number(read()));
        },
      });
    flag('gantry_agent_slots', 'Job slots of this agent.', () => state.slots);
    flag('gantry_agent_slots_busy', 'Slots holding an offer or a running attempt.', () => state.busySlots());
    flag('gantry_agent_registered', '1 once the controller accepted the registration.', () => state.registered());
    flag('gantry_agent_controller_connected', '1 while the Connect stream to the controller is open.', () =>
      state.controllerConnected(),
    );
    flag('gantry_agent_nats_connected', '1 while connected to NATS.', () => state.natsConnected());
    collectDefaultMetrics({ register: this.registry });
  }

  claimAnswered(outcome: ClaimOutcome, seconds: number): void {
    this.#claims.observe({ outcome }, seconds);
  }

  jobEnded(ending: JobEnding): void {
    this.#jobs.inc({ result: ending });
  }
}
