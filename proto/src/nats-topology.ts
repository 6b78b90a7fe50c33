/**
 * NATS subjects and stream names both sides agree on. A module of its own
 * (`@gantry/proto/nats-topology`) so that a command that only writes NATS
 * configuration does not load gRPC.
 */
/** Topology of NATS subjects and stream names both sides agree on. */
export const natsTopology = {
  jobsStream: 'GANTRY_JOBS',
  jobsSubjectPrefix: 'gantry.jobs.',
  /** Subject that carries job offers for one queue. */
  jobsSubject: (queue: string) => `gantry.jobs.${queue}`,
  /** Durable pull consumer for one queue (one per queue: WorkQueue streams allow one per subject). */
  jobsConsumer: (queue: string) => `jobs-${queue}`,
  /** Core-NATS subject for controller → agent control messages (cancel, drain). */
  agentControlSubject: (agentId: string) => `gantry.agents.${agentId}.control`,
  /** Core-NATS subject for run events fed to live pages. */
  runEventsSubject: (runId: string) => `gantry.events.runs.${runId}`,
} as const;
