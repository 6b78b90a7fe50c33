/**
 * Maps domain failures to gRPC status codes; an unavailable database is
 * UNAVAILABLE with DATABASE_UNAVAILABLE_DETAIL; anything unknown is INTERNAL without details.
 */

import { DATABASE_UNAVAILABLE_DETAIL } from '@gantry/proto';
import { type ServiceError, status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import { isDatabaseUnavailable } from '../store/database-unavailable.js';

const codes: Record<string, status> = {
  NOT_FOUND: status.NOT_FOUND,
  CONFLICT: status.ABORTED,
  INVALID_INPUT: status.INVALID_ARGUMENT,
  FORBIDDEN: status.PERMISSION_DENIED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  STALE_LEASE: status.FAILED_PRECONDITION,
  PROTOCOL_MISMATCH: status.FAILED_PRECONDITION,
};

export function grpcError(code: status, message: string): Partial<ServiceError> {
  return { code, details: message, message };
}

export function toGrpcError(error: unknown, log: Logger, method: string): Partial<ServiceError> {
  if (error instanceof DomainError) return grpcError(codes[error.code] ?? status.UNKNOWN, error.message);
  if (isDatabaseUnavailable(error)) {
    log.warn({ err: error, method }, 'grpc call failed: database unavailable');
    return grpcError(status.UNAVAILABLE, DATABASE_UNAVAILABLE_DETAIL);
  }
  log.error({ err: error, method }, 'grpc call failed');
  return grpcError(status.INTERNAL, 'internal error');
}
