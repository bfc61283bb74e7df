/**
 * OpenStack's error bodies, one shape per service, and the codes fault rules may inject.
 *
 * - Keystone (and keystonemiddleware's 401 in front of every service):
 *   `{"error": {"code": 401, "title": "Unauthorized", "message": …}}`
 * - Nova and Cinder: `{"<fault name>": {"code": 404, "message": …}}` with the fault name by status
 *   (`itemNotFound`, `badRequest`, `conflictingRequest`, `overLimit`, …).
 * - Neutron: `{"NeutronError": {"type": "PortNotFound", "message": …, "detail": ""}}`.
 * - Octavia: `{"faultcode": "Client", "faultstring": …, "debuginfo": null}`.
 * - Barbican: `{"code": 404, "title": "Not Found", "description": …}`.
 */
import type { InjectedError, WireReply } from '../../core/cloud-api.js';
import { CloudError } from '../../core/errors.js';

export type Service = 'identity' | 'compute' | 'block-storage' | 'network' | 'load-balancer' | 'key-manager' | 'metadata';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** Nova's and Cinder's fault names (`nova/api/openstack/wsgi.py` Fault._fault_names). */
const FAULT_NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  406: 'notAcceptable',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** Neutron exception types by status, when a handler names none. */
const NEUTRON_TYPES: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'NotAuthorized',
  403: 'PolicyNotAuthorized',
  404: 'NotFound',
  409: 'Conflict',
  413: 'OverQuota',
  429: 'OverQuota',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

/** The one 401 every service's keystonemiddleware answers with. */
export const UNAUTHORIZED_MESSAGE = 'The request you have made requires authentication.';

export function renderOpenStackError(err: CloudError, service: Service | undefined, requestId: string): WireReply {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-openstack-request-id': requestId };
  const retryAfter = err.details['retryAfterSeconds'];
  if (typeof retryAfter === 'number') headers['retry-after'] = String(retryAfter);
  const s = err.status;
  if (s === 401) {
    headers['www-authenticate'] = typeof err.details['authUri'] === 'string' ? `Keystone uri="${err.details['authUri']}"` : 'Keystone';
  }
  let body: unknown;
  if (s === 401 || service === 'identity' || service === undefined) {
    body = { error: { code: s, title: TITLES[s] ?? 'Error', message: err.message } };
  } else if (service === 'compute' || service === 'block-storage') {
    const name = FAULT_NAMES[s] ?? 'computeFault';
    const fault: Record<string, unknown> = { code: s, message: err.message };
    if (s === 413 || s === 429) fault['retryAfter'] = String(typeof retryAfter === 'number' ? retryAfter : 0);
    body = { [name]: fault };
  } else if (service === 'network') {
    const type = typeof err.details['neutronType'] === 'string' ? err.details['neutronType'] : NEUTRON_TYPES[s] ?? err.code;
    body = { NeutronError: { type, message: err.message, detail: '' } };
  } else if (service === 'load-balancer') {
    body = { faultcode: s < 500 ? 'Client' : 'Server', faultstring: err.message, debuginfo: null };
  } else if (service === 'key-manager') {
    body = { code: s, title: TITLES[s] ?? 'Error', description: err.message };
  } else {
    headers['content-type'] = 'text/html; charset=UTF-8';
    return { status: s, headers, body: `<html><head><title>${s} ${TITLES[s] ?? ''}</title></head><body><h1>${s} ${TITLES[s] ?? ''}</h1>${escapeHtml(err.message)}</body></html>`, errorCode: err.code };
  }
  return { status: s, headers, body: JSON.stringify(body), errorCode: err.code };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/**
 * Codes a fault rule's `error:` may name, with their status. Any other code needs a `status`.
 * `fail:` rules (the call is accepted, its resource ends in error) take any code; see the drills.
 */
export const FAULT_CATALOGUE: Readonly<Record<string, [number, string]>> = {
  Unauthorized: [401, UNAUTHORIZED_MESSAGE],
  TokenExpired: [401, UNAUTHORIZED_MESSAGE],
  Forbidden: [403, 'Policy does not allow this operation to be performed.'],
  NotFound: [404, 'The resource could not be found.'],
  itemNotFound: [404, 'The resource could not be found.'],
  Conflict: [409, 'There was a conflict when trying to complete your request.'],
  conflictingRequest: [409, 'There was a conflict when trying to complete your request.'],
  OverQuota: [413, 'Quota exceeded for resources.'],
  overLimit: [413, 'Quota exceeded for resources.'],
  VolumeLimitExceeded: [413, 'VolumeLimitExceeded: Maximum number of volumes allowed (10) exceeded for quota \'volumes\'.'],
  VolumeSizeExceedsAvailableQuota: [413, 'VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota.'],
  RateLimited: [429, 'This request was rate-limited.'],
  InternalServerError: [500, 'The server has either erred or is incapable of performing the requested operation.'],
  computeFault: [500, 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.'],
  ServiceUnavailable: [503, 'The service is unavailable at this time.'],
};

export function openStackFaultError(err: InjectedError): CloudError {
  if (err.throttle) return new CloudError('RateLimited', 429, 'This request was rate-limited.', { retryAfterSeconds: err.retryAfterSeconds ?? 1 });
  const known = FAULT_CATALOGUE[err.code];
  return new CloudError(err.code, err.status ?? known?.[0] ?? 400, err.message ?? known?.[1] ?? `Injected error ${err.code}`);
}
