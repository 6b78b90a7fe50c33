/** Response bodies of the HTTP API under the names the CLI uses; all from @gantry/client's generated types. */
export type {
  Agent as AgentView,
  AgentList,
  Job as JobView,
  RunDetail,
  RunList,
  RunSummary,
  Stage as StageView,
  TriggerResponse,
} from '@gantry/client';
