/**
 * Failures the domain reports. Edges map them: the Hono error handler to HTTP
 * statuses, the gRPC service to status codes. Messages quote the bad value.
 */
export type DomainErrorCode =
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_INPUT'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'STALE_LEASE'
  | 'PROTOCOL_MISMATCH'
  | 'IDEMPOTENCY_KEY_REUSED'
  | SourceErrorCode;

/** The repository a trigger names cannot give what it asks for (source/). */
export type SourceErrorCode =
  | 'INVALID_REF'
  | 'REPOSITORY_UNREADABLE'
  | 'REPOSITORY_NOT_ALLOWED'
  | 'REF_NOT_FOUND'
  | 'COMMIT_NOT_FOUND'
  | 'SHA_NOT_ON_REF'
  | 'PIPELINE_FILE_MISSING'
  | 'PIPELINE_FILE_TOO_LARGE';

export class DomainError extends Error {
  override readonly name: string = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options?: ErrorOptions & { issues?: string[] },
  ) {
    super(message, options);
    this.issues = options?.issues;
  }
  readonly issues: string[] | undefined;
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

/** A call carried a (jobId, attempt, leaseToken) that no longer holds the job. */
export class StaleLeaseError extends DomainError {
  override readonly name = 'StaleLeaseError';
  constructor(jobId: string, attempt: number) {
    super('STALE_LEASE', `lease of job ${jobId} attempt ${attempt} is no longer held`);
  }
}

/** An `Idempotency-Key` already made a run for a different request (422); nothing was created. */
export class IdempotencyKeyReusedError extends DomainError {
  override readonly name = 'IdempotencyKeyReusedError';
  constructor(idempotencyKey: string, runId: string) {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      `Idempotency-Key "${idempotencyKey}" was already used for run ${runId} with a different request; use a new key`,
    );
  }
}
