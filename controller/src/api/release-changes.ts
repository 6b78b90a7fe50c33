/**
 * "What would this release change": the live deployment of an environment
 * against a candidate run's stage for it. Commits come from git (the
 * controller's copy of the repository), artifacts from the store.
 */
import { approvedArtifactsOf } from '../artifacts/approved-artifacts.js';
import { NotFoundError } from '../domain/errors.js';
import type { PipelineSource } from '../source/git-source.js';
import { artifactsNeededByStage } from '../store/artifacts-repository.js';
import type { Database } from '../store/database.js';
import { liveDeployments } from '../store/deployments-repository.js';
import { findRun, listStagesOfRun } from '../store/runs-repository.js';
import { deploymentView } from './deployment-view.js';

/** Commits listed each way at most. */
const MAX_COMMITS = 200;

export async function releaseChanges(
  deps: { db: Database; source: PipelineSource },
  environment: string,
  runId: string,
) {
  const run = await findRun(deps.db, runId);
  if (!run) throw new NotFoundError(`run "${runId}" not found`);
  const stage = (await listStagesOfRun(deps.db, runId))
    .filter((candidate) => candidate.environment === environment)
    .at(-1);
  if (!stage) throw new NotFoundError(`run ${runId} has no stage deploying to "${environment}"`);
  const live = (await liveDeployments(deps.db)).find((deployment) => deployment.environment === environment) ?? null;
  const sha = run.sha ?? '';
  const candidateArtifacts = approvedArtifactsOf(await artifactsNeededByStage(deps.db, stage.id));

  const commits = { added: [], removed: [], truncated: false, known: live === null } as {
    added: { sha: string; author: string; committedAt: string; subject: string }[];
    removed: typeof commits.added;
    truncated: boolean;
    known: boolean;
  };
  if (live !== null && sha !== '' && deps.source.commitsBetween) {
    const [added, removed] = await Promise.all([
      deps.source.commitsBetween(run.repo, live.sha, sha, MAX_COMMITS).catch(() => null),
      deps.source.commitsBetween(run.repo, sha, live.sha, MAX_COMMITS).catch(() => null),
    ]);
    if (added && removed) {
      Object.assign(commits, {
        added: added.commits,
        removed: removed.commits,
        truncated: added.truncated || removed.truncated,
        known: true,
      });
    }
  }

  const key = (artifact: { job: string; path: string }) => `${artifact.job}\0${artifact.path}`;
  const liveByKey = new Map((live?.artifacts ?? []).map((artifact) => [key(artifact), artifact]));
  const candidateByKey = new Map(candidateArtifacts.map((artifact) => [key(artifact), artifact]));
  const artifacts = [...new Set([...candidateByKey.keys(), ...liveByKey.keys()])]
    .map((k) => {
      const [job = '', path = ''] = k.split('\0');
      return {
        job,
        path,
        liveSha256: liveByKey.get(k)?.sha256 ?? null,
        candidateSha256: candidateByKey.get(k)?.sha256 ?? null,
      };
    })
    .filter((artifact) => artifact.liveSha256 !== artifact.candidateSha256);

  return {
    environment,
    live: live ? deploymentView(live) : null,
    candidate: { runId, sha, stage: stage.name },
    commits,
    artifacts,
  };
}
