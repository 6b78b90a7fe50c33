/** The figures of a chaos run as text, seed first so a failure can be replayed. */
import { type FaultKind, faultKinds } from './faults.js';
import type { ChaosReport } from './run-chaos.js';

const seconds = (ms: number | null) => (ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

export function replayCommand(report: Pick<ChaosReport, 'options'>): string {
  const { seed, jobs, agents, slotsPerAgent, controllers, natsNodes, faults } = report.options;
  const noFaults = Object.values(faults).every((count) => count === 0) ? ' --no-faults' : '';
  return `npm run chaos -- --seed ${seed} --jobs ${jobs} --agents ${agents} --slots ${slotsPerAgent} --controllers ${controllers} --nats-cluster ${natsNodes}${noFaults}`;
}

export function formatReport(report: ChaosReport): string {
  const { figures: f, options } = report;
  const byKind = (kind: FaultKind) =>
    `${kind} ${report.faults.filter((fault) => fault.kind === kind).length}/${report.plannedFaults.filter((fault) => fault.kind === kind).length}`;
  const lines = [
    `chaos seed=${options.seed}  replay: ${replayCommand(report)}`,
    `duration            ${seconds(report.durationMs)} (lease TTL ${options.leaseTtlMs} ms, heartbeat ${options.heartbeatIntervalMs} ms, reconnect grace ${options.reconnectGraceMs} ms)`,
    `jobs                ${f.jobs.inDatabase} of ${f.jobs.planned} planned; non-terminal jobs ${f.jobs.nonTerminal}`,
    `runs                ${f.runs.inDatabase} of ${f.runs.planned} planned; ${f.runs.succeeded} succeeded; lost runs ${f.runs.lost}`,
    `triggers            ${f.triggers.keys} keys, ${f.triggers.posts} POSTs (${f.triggers.created}×201, ${f.triggers.replayed}×200, ${f.triggers.retriedThroughOutage} retried through an outage)`,
    `faults              ${faultKinds.map(byKind).join(', ')}`,
    `retries             ${f.attempts.retriedJobs} jobs ran more than once; ${f.attempts.total} attempts, ${f.attempts.lost} lost, highest attempt ${f.attempts.maxAttempt}`,
    `fenced              ${f.fences.controllerRefused} stale calls of reaped attempts refused by the controller; ${f.fences.agentStale} reaped attempts killed by agents on a stale answer; ${f.fences.agentExpired} self-fenced (no renewal); ${f.fences.afterFinish} refusals racing a normal finish`,
    ...f.fences.samples.map((line) => `  ${line}`),
    `overlapping leases  ${f.overlappingLeases}`,
    `concurrent attempts ${f.concurrentExecutions.outsidePauses} outside pauses (${f.concurrentExecutions.duringPauses} on ${f.concurrentExecutions.pauseHitJobs} pause-hit jobs, allowed; a zombie step printed for ${f.zombieRunOnMs ?? 0} ms at most after SIGCONT)`,
    `duplicate/unclaimed executions ${f.duplicateExecutions}/${f.unclaimedExecutions}`,
    `committed logs      ${f.logs.checked} checked; ${f.logs.incomplete} incomplete or out of order; ${f.logs.foreignLines} foreign lines`,
    `agent kill -9 → job running again: longest ${seconds(f.agentDeathToRerunMs)} (→ attempt lost: ${seconds(f.agentDeathToLostMs)})`,
    `re-run without an agent fault ${f.rerunWithoutAgentFault} (controllers ${options.controllers})`,
    `work paused         ${
      faultKinds
        .filter((kind) => f.workPausedMs[kind] !== undefined)
        .map((kind) => `${kind} ${seconds(f.workPausedMs[kind] ?? null)}`)
        .join(', ') || 'n/a'
    } (longest per kind: fault → next job finished)`,
    'fault timeline:',
    ...report.faults.map(
      (fault) =>
        `  +${((fault.at - report.startedAt) / 1000).toFixed(1)}s ${fault.kind} ${fault.target} (after ${fault.afterJobs} jobs): ${fault.detail}`,
    ),
  ];
  if (report.violations.length === 0) lines.push('result: PASS');
  else lines.push(`result: FAIL, ${report.violations.length} violations:`, ...report.violations.map((v) => `  - ${v}`));
  if (report.keptDir) lines.push(`farm logs and events kept in ${report.keptDir}`);
  return lines.join('\n');
}
