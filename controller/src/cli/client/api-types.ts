/** Response bodies of the HTTP API as the CLI reads them. */
import type { JobStatus, RunStatus, StageStatus } from '../../domain/states.js';

/** `POST /api/runs` → 201. `url` is the run's page; it may be relative to the API base URL. */
export interface TriggerResponse {
  id: string;
  status: RunStatus;
  url: string;
}

export interface RunSummary {
  id: string;
  status: RunStatus;
  repo: string;
  ref: string;
  sha: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** `GET /api/runs` */
export interface RunList {
  runs: RunSummary[];
}

export interface JobView {
  id: string;
  name: string;
  status: JobStatus;
  attempt: number;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** Not promised by the API; shown when present. */
  agentId?: string | null;
}

export interface StageView {
  name: string;
  status: StageStatus;
  environment: string | null;
  jobs: JobView[];
}

/** `GET /api/runs/:id`. `error` explains a run that failed before any job ran (e.g. an invalid .gantry.yml). */
export interface RunDetail extends RunSummary {
  error: string | null;
  startedAt: string | null;
  stages: StageView[];
}

/** One agent process of `GET /api/agents`. */
export interface AgentView {
  id: string;
  name: string;
  hostname: string;
  queues: string[];
  slots: number;
  version: string;
  connected: boolean;
  draining: boolean;
  registeredAt: string;
  lastSeenAt: string;
}

/** `GET /api/agents` */
export interface AgentList {
  agents: AgentView[];
}

/** An API identity as `GET /api/tokens` lists it: never its secret. */
export interface TokenView {
  name: string;
  roles: string[];
  email: string | null;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

/** `POST /api/tokens` → 201: the record and, this once, the token itself. */
export interface CreatedToken extends TokenView {
  token: string;
}

/** `GET /api/tokens` */
export interface TokenList {
  tokens: TokenView[];
}

/** `GET /api/me` */
export interface Identity {
  name: string;
  roles: string[];
  email: string | null;
}
