/** Public entry of @gantry/controller for embedding and tests. */

export { openApiDocument } from './api/openapi-document.js';
export { DiskStore } from './artifacts/disk-store.js';
export { ConfigError, type ControllerConfig, loadControllerConfig } from './config.js';
export { controllerVariables, type VariableDeclaration } from './config-variables.js';
export { createConsumerMover, createOfferCounter } from './dispatch/offer-counter.js';
export type { JobStatus, RunStatus, StageStatus } from './domain/states.js';
export { type ControllerHandle, createLogger, startController } from './main.js';
export { parsePipeline } from './pipeline/index.js';
export { type OpenDatabase, openDatabase } from './store/database.js';
export { claimJobs, lockRunAndFinishAttempt } from './store/leases-repository.js';
export { answersInOrder, transactionWithTrailingWrites } from './store/trailing-writes.js';
