/**
 * The codes a scenario may inject by name, with the status and message AWS sends for them, and
 * each protocol's throttling error. EC2's server-side codes (capacity, throttling, unavailability)
 * are 5xx; the SDK retries RequestLimitExceeded, 500, 502, 503 and 504 on its own.
 */
import type { InjectedError } from '../../../core/cloud-api.js';
import { CloudError } from '../../../core/errors.js';

const EC2: Readonly<Record<string, [number, string]>> = {
  RequestLimitExceeded: [503, 'Request limit exceeded.'],
  InternalError: [500, 'An internal error has occurred'],
  ServiceUnavailable: [503, 'The service is unavailable. Please try again shortly.'],
  Unavailable: [503, "The server is overloaded and can't handle the request."],
  InsufficientInstanceCapacity: [500, 'We currently do not have sufficient capacity in the Availability Zone you requested.'],
  InsufficientVolumeCapacity: [500, 'There is not enough capacity to fulfill your EBS volume provision request.'],
  InsufficientCapacity: [500, 'There is not enough capacity to fulfill your request.'],
  UnauthorizedOperation: [403, 'You are not authorized to perform this operation.'],
  AuthFailure: [401, 'AWS was not able to validate the provided access credentials'],
  Blocked: [403, 'Your account is currently blocked.'],
  VolumeLimitExceeded: [400, 'You have exceeded your maximum storage limit in this region.'],
  SnapshotLimitExceeded: [400, 'The maximum number of snapshots has been reached.'],
  AttachmentLimitExceeded: [400, 'The instance has reached its maximum number of attachments.'],
  InstanceLimitExceeded: [400, 'You have requested more instances than your current instance limit allows.'],
  VcpuLimitExceeded: [400, 'You have requested more vCPU capacity than your current vCPU limit allows.'],
  IncorrectState: [400, 'The resource is in an incorrect state for the request.'],
  IncorrectInstanceState: [400, 'The instance is not in a state from which the request can be performed.'],
  DependencyViolation: [400, 'The resource has a dependent object.'],
  'InvalidVolume.NotFound': [400, 'The volume does not exist.'],
  'InvalidInstanceID.NotFound': [400, 'The instance ID does not exist'],
  'InvalidSnapshot.NotFound': [400, 'The snapshot does not exist.'],
  OptInRequired: [403, 'You are not subscribed to this service.'],
};

/** awsQuery and JSON services answer throttling with 400 and these codes. */
const THROTTLE: Readonly<Record<'ec2' | 'query' | 'json' | 'imds', [string, number, string]>> = {
  ec2: ['RequestLimitExceeded', 503, 'Request limit exceeded.'],
  query: ['Throttling', 400, 'Rate exceeded'],
  json: ['ThrottlingException', 400, 'Rate exceeded'],
  imds: ['Throttled', 429, 'Too Many Requests'],
};

export function awsFaultError(err: InjectedError, protocol: 'ec2' | 'query' | 'json' | 'imds'): CloudError {
  if (err.throttle) {
    const [code, status, message] = THROTTLE[protocol];
    return new CloudError(code, status, message, { retryAfterSeconds: err.retryAfterSeconds });
  }
  const known = EC2[err.code];
  return new CloudError(err.code, err.status ?? known?.[0] ?? 400, err.message ?? known?.[1] ?? `Injected error ${err.code}`);
}
