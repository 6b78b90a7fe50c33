/**
 * Deployments: what each stage with an `environment:` sent there. A row is
 * written when such a stage starts running (advanceRun, in the run's
 * transaction) with the run's sha, the artifacts its jobs receive and the
 * approvers who released it, and gets the stage's result when it ends. A
 * rollback request writes its row first, `requested`, with who asked; the
 * stage starting again fills it in instead of adding another.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { ApprovedArtifact } from '../domain/run.js';
import type { StageStatus } from '../domain/states.js';
import { type Queryable, queryRows } from './database.js';
import { deployments } from './schema.js';

export type DeploymentKind = 'deploy' | 'rollback';
export type DeploymentStatus = 'requested' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'rejected';

export interface Deployment {
  id: string;
  environment: string;
  runId: string;
  stage: string;
  sha: string;
  ref: string;
  commitSubject: string | null;
  artifacts: ApprovedArtifact[];
  approvers: string[];
  kind: DeploymentKind;
  requestedBy: string | null;
  status: DeploymentStatus;
  createdAt: Date;
  finishedAt: Date | null;
}

const endings: readonly StageStatus[] = ['succeeded', 'failed', 'canceled', 'rejected', 'superseded'];

/** Called for every stage transition advanceRun applies; a stage without an environment changes nothing. */
export async function recordDeploymentTransition(tx: Queryable, stageId: string, to: StageStatus): Promise<void> {
  if (to === 'running') {
    await startDeployment(tx, stageId);
  } else if (endings.includes(to)) {
    const status = to === 'superseded' ? 'canceled' : to;
    await tx.execute(sql`
      update deployments set status = ${status}, finished_at = now()
      where stage_id = ${stageId} and status in ('requested', 'running')`);
  }
}

/** The stage began running: its requested rollback starts, or a new deployment row. */
async function startDeployment(tx: Queryable, stageId: string): Promise<void> {
  const facts = sql`
    select s.environment, s.run_id, s.id as stage_id, coalesce(r.sha, '') as sha,
      coalesce((select jsonb_agg(jsonb_build_object('job', j.name, 'path', a.path, 'sha256', a.sha256)
          order by sj.position, j.position, a.path)
        from artifacts a join jobs j on j.id = a.job_id join stages sj on sj.id = j.stage_id
        where j.run_id = s.run_id and sj.position < s.position and a.attempt = j.attempt
          and j.name in (select jsonb_array_elements_text(dj.spec -> 'needsArtifacts') from jobs dj where dj.stage_id = s.id)
      ), '[]'::jsonb) as artifacts,
      coalesce((select jsonb_agg(distinct ap.approver) from approvals ap
        where ap.stage_id = s.id and ap.decision = 'approved'
          and ap.created_at >= coalesce(s.approval_requested_at, '-infinity'::timestamptz)), '[]'::jsonb) as approvers
    from stages s join runs r on r.id = s.run_id
    where s.id = ${stageId} and s.environment is not null`;
  const updated = await queryRows<{ id: string }>(
    tx,
    sql`with facts as (${facts})
    update deployments d set status = 'running', sha = facts.sha, artifacts = facts.artifacts, approvers = facts.approvers
    from facts where d.stage_id = facts.stage_id and d.status = 'requested' returning d.id`,
  );
  if (updated.length > 0) return;
  await tx.execute(sql`
    insert into deployments (id, environment, run_id, stage_id, sha, artifacts, approvers, kind, status)
    select ${randomUUID()}, environment, run_id, stage_id, sha, artifacts, approvers, 'deploy', 'running'
    from (${facts}) as facts`);
}

/** A rollback was asked for: its row waits, `requested`, until the stage runs (or is rejected). */
export async function requestRollback(
  tx: Queryable,
  input: { environment: string; runId: string; stageId: string; sha: string; requestedBy: string },
): Promise<string> {
  const id = randomUUID();
  await tx.insert(deployments).values({ id, ...input, kind: 'rollback', status: 'requested' });
  return id;
}

const selectDeployments = sql`
  select d.id, d.environment, d.run_id, s.name as stage, d.sha, r.ref, r.commit_subject, d.artifacts, d.approvers,
    d.kind, d.requested_by, d.status, d.created_at, d.finished_at
  from deployments d join stages s on s.id = d.stage_id join runs r on r.id = d.run_id`;

/** The latest succeeded deployment of each environment: what is live there now. */
export async function liveDeployments(db: Queryable): Promise<Deployment[]> {
  const rows = await queryRows<DeploymentRow>(
    db,
    sql`select * from (
      select distinct on (environment) * from (${selectDeployments} where d.status = 'succeeded') as done
      order by environment, finished_at desc, created_at desc
    ) as live order by environment`,
  );
  return rows.map(toDeployment);
}

/** Names of every environment that has had a deployment. */
export async function deployedEnvironments(db: Queryable): Promise<string[]> {
  const rows = await queryRows<{ environment: string }>(
    db,
    sql`select distinct environment from deployments order by environment`,
  );
  return rows.map((row) => row.environment);
}

/** An environment's deployments, newest first; at most `limit`. */
export async function listDeployments(db: Queryable, environment: string, limit: number): Promise<Deployment[]> {
  const rows = await queryRows<DeploymentRow>(
    db,
    sql`${selectDeployments} where d.environment = ${environment} order by d.created_at desc, d.id limit ${limit}`,
  );
  return rows.map(toDeployment);
}

interface DeploymentRow {
  id: string;
  environment: string;
  run_id: string;
  stage: string;
  sha: string;
  ref: string;
  commit_subject: string | null;
  artifacts: ApprovedArtifact[];
  approvers: string[];
  kind: DeploymentKind;
  requested_by: string | null;
  status: DeploymentStatus;
  created_at: Date | string;
  finished_at: Date | string | null;
}

function toDeployment(row: DeploymentRow): Deployment {
  return {
    id: row.id,
    environment: row.environment,
    runId: row.run_id,
    stage: row.stage,
    sha: row.sha,
    ref: row.ref,
    commitSubject: row.commit_subject,
    artifacts: row.artifacts,
    approvers: row.approvers,
    kind: row.kind,
    requestedBy: row.requested_by,
    status: row.status,
    createdAt: new Date(row.created_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
  };
}

/** The stage's latest deployment that succeeded, or null (a rollback needs one). */
export async function lastSucceededDeploymentOfStage(db: Queryable, stageId: string): Promise<Deployment | null> {
  const rows = await queryRows<DeploymentRow>(
    db,
    sql`${selectDeployments} where d.stage_id = ${stageId} and d.status = 'succeeded' order by d.created_at desc limit 1`,
  );
  return rows[0] ? toDeployment(rows[0]) : null;
}

/** Who asked for the stage's rollback that waits to run (its gate may be holding it), or null when none waits. */
export async function pendingRollbackRequester(db: Queryable, stageId: string): Promise<string | null> {
  const rows = await queryRows<{ requested_by: string | null }>(
    db,
    sql`select requested_by from deployments
      where stage_id = ${stageId} and kind = 'rollback' and status = 'requested'
      order by created_at desc limit 1`,
  );
  return rows[0]?.requested_by ?? null;
}

/**
 * Puts a finished stage back to `pending` with its jobs, its gate waiting
 * from now (approvals given before do not count again).
 */
export async function reopenStageForRollback(tx: Queryable, stageId: string): Promise<void> {
  await tx.execute(sql`
    update stages set status = 'pending', approval_requested_at = now(), finished_at = null where id = ${stageId}`);
  await tx.execute(sql`
    update jobs set status = 'pending', cancel_requested = false, finished_at = null, message = null, exit_code = null
    where stage_id = ${stageId}`);
}
