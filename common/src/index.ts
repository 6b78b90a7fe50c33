export { type Child, type ChildOptions, startChild } from './child-process.js';
export { killOnExit } from './exit-cleanup.js';
export { gzipLogMember, gzipLogOutput, logGzipFromBytes } from './log-gzip.js';
export { redactError, redactedLogPaths, redactionCensor } from './log-redaction.js';
export {
  generateNatsPassword,
  jetStreamPullSubject,
  type NatsAgentUser,
  type NatsAuthorization,
  NatsAuthorizationError,
  type NatsAuthorizationTopology,
  type NatsUser,
  natsAgentInboxPrefix,
  natsAuthorizationBlock,
} from './nats-authorization.js';
export {
  type NatsClusterMembership,
  NatsServerNotFoundError,
  type NatsServerOptions,
  type NatsServerProcess,
  NatsServerStartError,
  startNatsServer,
} from './nats-server.js';
export { RequestAbort } from './request-abort.js';
export {
  type BackoffPolicy,
  backoffDelayMs,
  RetryAbortedError,
  type RetryOptions,
  retry,
  sleep,
} from './retry.js';
export { maxSecretFileBytes, readSecretFile, SecretFileError } from './secret-file.js';
