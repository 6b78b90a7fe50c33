export {
  type ApiClient,
  api,
  type CreatedRun,
  type JobView,
  type RunSummary,
  type RunView,
  type StageView,
} from './api-client.js';
export {
  type AgentOptions,
  type AgentProcess,
  type ControllerOptions,
  type ControllerProcess,
  startAgent,
  startController,
} from './farm.js';
export { freshDatabase } from './fresh-database.js';
export { spawnGantry } from './gantry-process.js';
export { createGitRepo, type GitRepo, type GitRepoOptions } from './git-repo.js';
export { type LoadBalancer, startLoadBalancer } from './haproxy.js';
export { httpStatus } from './http-status.js';
export { type NatsServer, startNats } from './nats.js';
export { type NatsCluster, startNatsCluster } from './nats-cluster.js';
export { createDatabase, dumpDatabase, type PostgresServer, startPostgres } from './postgres.js';
export { type S3Server, startS3Server } from './s3-server.js';
