/**
 * AWS errors as the services send them. EC2 has its own body
 * (`<Response><Errors><Error><Code>…`, `<RequestID>`); status 400 unless the code says otherwise.
 * Messages follow EC2's wording: callers (the EBS CSI driver's batcher) scan them for ids.
 */
import type { WireReply } from '../../../core/cloud-api.js';
import { CloudError } from '../../../core/errors.js';
import { xmlEscape, XML_DECLARATION } from './xml.js';

export function ec2Error(code: string, message: string, status = 400): CloudError {
  return new CloudError(code, status, message);
}

export function renderEc2Error(err: CloudError, requestId: string): WireReply {
  return {
    status: err.status,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
    body: `${XML_DECLARATION}<Response><Errors><Error><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
    errorCode: err.code,
  };
}

const quoteList = (ids: readonly string[]) => ids.join(', ');

export const Ec2Errors = {
  dryRun: () => ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412),
  invalidAction: (action: string) => ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`),
  missingParameter: (name: string) => ec2Error('MissingParameter', `The request must contain the parameter ${name}`),
  invalidParameterValue: (message: string) => ec2Error('InvalidParameterValue', message),
  filterLimit: (message: string) => ec2Error('FilterLimitExceeded', message),
  invalidParameterCombination: (message: string) => ec2Error('InvalidParameterCombination', message),
  invalidPaginationToken: (token: string) => ec2Error('InvalidPaginationToken', `Invalid pagination token: ${token}`),
  authFailure: (message: string) => ec2Error('AuthFailure', message, 401),
  idempotentMismatch: () =>
    ec2Error('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).'),
  idempotentDeleted: () =>
    ec2Error(
      'IdempotentParameterMismatch',
      'The client token you have provided is associated with a resource that is already deleted. Please use a different client token.',
    ),
  malformed: (code: string, id: string, prefix: string) => ec2Error(code, `Invalid id: "${id}" (expecting "${prefix}-...")`),
  volumeNotFound: (ids: readonly string[]) =>
    ec2Error('InvalidVolume.NotFound', ids.length === 1 ? `The volume '${ids[0]}' does not exist.` : `The volumes '${quoteList(ids)}' do not exist.`),
  instanceNotFound: (ids: readonly string[]) =>
    ec2Error('InvalidInstanceID.NotFound', ids.length === 1 ? `The instance ID '${ids[0]}' does not exist` : `The instance IDs '${quoteList(ids)}' do not exist`),
  subnetNotFound: (id: string) => ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`),
  vpcNotFound: (id: string) => ec2Error('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`),
  snapshotNotFound: (id: string) => ec2Error('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`),
  zoneNotFound: (zone: string) => ec2Error('InvalidZone.NotFound', `The zone '${zone}' does not exist.`),
  incorrectState: (message: string) => ec2Error('IncorrectState', message),
  incorrectInstanceState: (id: string) => ec2Error('IncorrectInstanceState', `The instance '${id}' is not in a state from which it can be used.`),
  volumeInUse: (volumeId: string, instanceId: string) => ec2Error('VolumeInUse', `Volume ${volumeId} is currently attached to ${instanceId}`),
  internal: () => ec2Error('InternalError', 'An internal error has occurred', 500),
};

/** awsQuery services (ELB, ELBv2, STS): `<ErrorResponse><Error><Type>…`. */
export function renderQueryError(err: CloudError, requestId: string): WireReply {
  const type = err.status >= 500 ? 'Receiver' : 'Sender';
  return {
    status: err.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<ErrorResponse><Error><Type>${type}</Type><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    errorCode: err.code,
  };
}

/** JSON 1.0/1.1 services (ECR, KMS): `{"__type": …, "message": …}` plus `x-amzn-ErrorType`. */
export function renderJsonError(err: CloudError, requestId: string): WireReply {
  return {
    status: err.status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId, 'x-amzn-errortype': err.code },
    body: JSON.stringify({ __type: err.code, message: err.message }),
    errorCode: err.code,
  };
}
