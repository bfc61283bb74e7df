/**
 * ARM errors: the envelope `{"error": {code, message, details?}}` with the code repeated in
 * `x-ms-error-code` (azcore reads the header first), and the codes a fault rule may inject by
 * name with the status and wording Azure uses (callers match substrings of these messages).
 */
import type { InjectedError, WireReply } from '../../core/cloud-api.js';
import { CloudError } from '../../core/errors.js';

/** Code → [status, message] as ARM and the Compute/Network resource providers answer them. */
const CATALOGUE: Readonly<Record<string, [number, string]>> = {
  TooManyRequests: [429, "The request is being throttled as the limit has been reached for operation type - Write_ObservationWindow_00:01:00. For more information, see - https://aka.ms/srpthrottlinglimits"],
  SubscriptionRequestsThrottled: [429, "Number of 'read' requests for subscription actor exceeded. Please try again after some time."],
  OperationPreempted: [409, 'Operation execution has been preempted by a more recent operation.'],
  PreconditionFailed: [412, 'The specified precondition failed.'],
  Conflict: [409, 'The request conflicts with the current state of the resource.'],
  OperationNotAllowed: [409, 'Operation is not allowed.'],
  AttachDiskWhileBeingDetached: [409, 'Cannot attach data disk to VM because it is being detached.'],
  ResourceNotFound: [404, 'The Resource was not found.'],
  NotFound: [404, 'The entity was not found in this Azure location.'],
  InternalServerError: [500, 'An internal server error occurred.'],
  InternalExecutionError: [500, 'An internal execution error occurred. Please retry later.'],
  ServiceUnavailable: [503, 'The service is temporarily unavailable. Please retry later.'],
  GatewayTimeout: [504, 'The gateway did not receive a response within the specified time period.'],
  AuthorizationFailed: [403, 'The client does not have authorization to perform action.'],
  QuotaExceeded: [409, 'Operation could not be completed as it results in exceeding approved quota.'],
  ZonalAllocationFailed: [409, 'Allocation failed. We do not have sufficient capacity for the requested VM size in this zone.'],
  AllocationFailed: [409, 'Allocation failed. We do not have sufficient capacity for the requested VM size in this region.'],
  canceledandsupersededduetoanotheroperation: [409, 'Operation was canceled and superseded due to another operation (canceledandsupersededduetoanotheroperation).'],
  RetryableError: [409, 'A retryable error occurred.'],
};

export function armError(code: string, status: number, message: string, extra: Record<string, unknown> = {}): CloudError {
  return new CloudError(code, status, message, extra);
}

export function renderArmError(err: CloudError, requestId: string): WireReply {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'x-ms-error-code': err.code,
    'x-ms-request-id': requestId,
    'x-ms-correlation-request-id': requestId,
  };
  const retryAfter = err.details['retryAfterSeconds'];
  if (typeof retryAfter === 'number') headers['retry-after'] = String(retryAfter);
  if (typeof err.details['wwwAuthenticate'] === 'string') headers['www-authenticate'] = err.details['wwwAuthenticate'];
  const error: Record<string, unknown> = { code: err.code, message: err.message };
  if (typeof err.details['target'] === 'string') error['target'] = err.details['target'];
  if (Array.isArray(err.details['details'])) error['details'] = err.details['details'];
  return { status: err.status, headers, body: JSON.stringify({ error }), errorCode: err.code };
}

/** The error a fault rule injects: a throttle is ARM's 429 with `Retry-After`. */
export function azureFaultError(err: InjectedError): CloudError {
  if (err.throttle) {
    const [status, message] = CATALOGUE['TooManyRequests']!;
    return new CloudError('TooManyRequests', status, message, { retryAfterSeconds: err.retryAfterSeconds ?? 1 });
  }
  const known = CATALOGUE[err.code];
  const status = err.status ?? known?.[0] ?? 400;
  const details: Record<string, unknown> = {};
  if (status === 429) details['retryAfterSeconds'] = err.retryAfterSeconds ?? 1;
  return new CloudError(err.code, status, err.message ?? known?.[1] ?? `Injected error ${err.code}.`, details);
}

/** The (status, message) an operation that a `fail:` rule ends `Failed` reports for a code. */
export function catalogued(code: string): [number, string] | undefined {
  return CATALOGUE[code];
}

export const notFound = (kind: string, name: string, rg: string): CloudError =>
  armError('ResourceNotFound', 404, `The Resource '${kind}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
export const rgNotFound = (rg: string): CloudError => armError('ResourceGroupNotFound', 404, `Resource group '${rg}' could not be found.`);
export const subscriptionNotFound = (sub: string): CloudError => armError('SubscriptionNotFound', 404, `The subscription '${sub}' could not be found.`);
export const badRequest = (code: string, message: string, target?: string): CloudError => armError(code, 400, message, target ? { target } : {});
export const conflict = (code: string, message: string): CloudError => armError(code, 409, message);

/**
 * HTTP-level refusals on Resource Manager's paths (core's `renderHttpRefusal`). ARM checks the
 * api-version first; a path segment no provider serves is a resource type the namespace does
 * not have (`Microsoft.Resources` for what hangs off a subscription or resource group).
 */
export function armHttpRefusal(kind: 'tooLarge' | 'notFound', path: string, apiVersion: string | null, requestId: string): WireReply {
  if (kind === 'tooLarge') return renderArmError(armError('RequestEntityTooLarge', 413, 'The request content size exceeds the maximum permitted size.'), requestId);
  if (!apiVersion) return renderArmError(armError('MissingApiVersionParameter', 400, "The api-version query parameter (?api-version=) is required for all requests."), requestId);
  const seg = path.split('/').filter(Boolean);
  // The first segment after /subscriptions/{id}[/resourceGroups/{rg}] that is no known child.
  let i = seg[0]?.toLowerCase() === 'subscriptions' ? 2 : 0;
  if (seg[i]?.toLowerCase() === 'resourcegroups') i += 2;
  if (seg[i]?.toLowerCase() === 'providers') i += 2;
  const type = seg[i] ?? seg[seg.length - 1] ?? '';
  return renderArmError(armError('InvalidResourceType', 404, `The resource type '${type}' could not be found in the namespace 'Microsoft.Resources' for api version '${apiVersion}'.`), requestId);
}
