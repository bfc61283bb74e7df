/**
 * Google API errors: the JSON envelope (`{"error": {code, message, errors: [{reason}], status}}`)
 * and the codes a fault rule may inject by name, with the status Google sends for them.
 */
import type { InjectedError, WireReply } from '../../core/cloud-api.js';
import { CloudError } from '../../core/errors.js';

const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  // Google's front end words an oversized payload as an INVALID_ARGUMENT.
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** Reason code → HTTP status, as Compute Engine answers them. */
const CATALOGUE: Readonly<Record<string, [number, string]>> = {
  rateLimitExceeded: [429, 'Rate Limit Exceeded'],
  userRateLimitExceeded: [429, 'User Rate Limit Exceeded'],
  quotaExceeded: [403, 'Quota exceeded for quota metric.'],
  forbidden: [403, 'Required permission is missing.'],
  notFound: [404, 'The resource was not found.'],
  alreadyExists: [409, 'The resource already exists.'],
  resourceNotReady: [400, 'The resource is not ready.'],
  backendError: [503, 'Backend Error'],
  internalError: [500, 'Internal Error'],
  unavailable: [503, 'The service is currently unavailable.'],
};

export function googleError(err: CloudError, requestId: string): WireReply {
  const reason = typeof err.details['reason'] === 'string' ? err.details['reason'] : err.code;
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8', 'x-goog-request-id': requestId };
  const retryAfter = err.details['retryAfterSeconds'];
  if (typeof retryAfter === 'number') headers['retry-after'] = String(retryAfter);
  const d = err.details;
  if (typeof d['wwwAuthenticate'] === 'string') headers['www-authenticate'] = d['wwwAuthenticate'];
  // An auth error names where the credential was looked for, as Google's front end does.
  const item = {
    message: typeof d['itemMessage'] === 'string' ? d['itemMessage'] : err.message,
    domain: 'global',
    reason,
    ...(typeof d['location'] === 'string' ? { location: d['location'], locationType: 'header' } : {}),
  };
  return {
    status: err.status,
    headers,
    body: JSON.stringify({
      error: { code: err.status, message: err.message, errors: [item], status: STATUS_NAMES[err.status] ?? 'UNKNOWN' },
    }),
    errorCode: reason,
  };
}

export function gcpFaultError(err: InjectedError): CloudError {
  if (err.throttle) return new CloudError('rateLimitExceeded', 429, 'Rate Limit Exceeded', { reason: 'rateLimitExceeded', retryAfterSeconds: err.retryAfterSeconds });
  const known = CATALOGUE[err.code];
  return new CloudError(err.code, err.status ?? known?.[0] ?? 400, err.message ?? known?.[1] ?? `Injected error ${err.code}`, { reason: err.code });
}

/**
 * HTTP-level refusals on Google's hosts. Google's front end answers an unknown path and an
 * oversized body with an HTML page; fauxcloud answers the JSON error envelope instead, with the
 * same status, because that is what the client libraries parse into an ApiError (an HTML body
 * becomes an error with no reason; see docs/decisions.md).
 */
export function googleHttpRefusal(kind: 'tooLarge' | 'notFound', method: string, path: string, limitBytes: number, requestId: string): WireReply {
  return kind === 'tooLarge'
    ? googleError(new CloudError('badRequest', 413, `Request payload size exceeds the limit: ${limitBytes} bytes.`), requestId)
    : googleError(new CloudError('notFound', 404, `The requested URL ${path} was not found on this server. (${method})`), requestId);
}
