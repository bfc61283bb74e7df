/**
 * Compute Engine's errors as callers branch on them: synchronous ones become the Google envelope
 * (reason + status, see ../errors.ts); asynchronous ones end an Operation with
 * `error.errors[].code` in UPPER_SNAKE and `httpErrorStatusCode`.
 */
import { CloudError } from '../../../core/errors.js';

export const invalid = (message: string): CloudError => new CloudError('invalid', 400, message, { reason: 'invalid' });
export const badRequest = (reason: string, message: string): CloudError => new CloudError(reason, 400, message, { reason });

export const notFound = (path: string): CloudError => new CloudError('notFound', 404, `The resource '${path}' was not found`, { reason: 'notFound' });

export const alreadyExists = (path: string): CloudError => new CloudError('alreadyExists', 409, `The resource '${path}' already exists`, { reason: 'alreadyExists' });

/** CCM matches "being used by" in the message (isInUsedByError), PD CSI the reason. */
export const inUse = (path: string, by: string): CloudError =>
  new CloudError('resourceInUseByAnotherResource', 400, `The ${kindOf(path)} resource '${path}' is already being used by '${by}'`, { reason: 'resourceInUseByAnotherResource' });

export const fingerprintMismatch = (what: string): CloudError =>
  new CloudError('conditionNotMet', 412, `Supplied fingerprint does not match current metadata fingerprint.${what ? ` (${what})` : ''}`, { reason: 'conditionNotMet' });

export const required = (field: string): CloudError => new CloudError('required', 400, `Required field '${field}' not specified`, { reason: 'required' });

export const notImplemented = (operation: string): CloudError =>
  new CloudError('notImplemented', 501, `fauxcloud does not emulate compute.${operation}; see docs/gcp.md for what it serves`, { reason: 'notImplemented' });

function kindOf(path: string): string {
  const m = /\/([a-zA-Z]+)\/[^/]+$/.exec(path);
  const plural = m?.[1] ?? 'resource';
  return plural.replace(/s$/, '').replace(/([A-Z])/g, ' $1').toLowerCase();
}

/** An asynchronous failure, as it lands in a DONE operation. */
export interface OpFailure {
  code: string;
  message: string;
  httpStatus: number;
}

const HTTP_MESSAGES: Readonly<Record<number, string>> = {
  400: 'BAD REQUEST',
  403: 'FORBIDDEN',
  404: 'NOT FOUND',
  409: 'CONFLICT',
  412: 'PRECONDITION FAILED',
  429: 'TOO MANY REQUESTS',
  500: 'INTERNAL SERVER ERROR',
  503: 'SERVICE UNAVAILABLE',
};
export const httpMessage = (status: number): string => HTTP_MESSAGES[status] ?? 'ERROR';

/** Operation error codes a scenario may name, with the HTTP status the operation reports. */
export const OP_ERROR_STATUS: Readonly<Record<string, number>> = {
  RESOURCE_NOT_FOUND: 404,
  RESOURCE_ALREADY_EXISTS: 409,
  RESOURCE_IN_USE_BY_ANOTHER_RESOURCE: 400,
  RESOURCE_NOT_READY: 400,
  INVALID_USAGE: 400,
  UNSUPPORTED_OPERATION: 400,
  QUOTA_EXCEEDED: 403,
  REGION_QUOTA_EXCEEDED: 403,
  RATE_LIMIT_EXCEEDED: 429,
  RESOURCE_OPERATION_RATE_EXCEEDED: 429,
  ZONE_RESOURCE_POOL_EXHAUSTED: 503,
  ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS: 503,
  INTERNAL_ERROR: 500,
};

export const opFailure = (code: string, message: string, httpStatus = OP_ERROR_STATUS[code] ?? 400): OpFailure => ({ code, message, httpStatus });
