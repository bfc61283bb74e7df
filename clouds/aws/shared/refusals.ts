/**
 * HTTP-level refusals in AWS's shapes (core's `renderHttpRefusal`): a body over the limit is
 * the common error RequestEntityTooLargeException (413), a method or path no AWS API serves is
 * UnknownOperationException (404), both from AWS's list of errors common to every service. EC2
 * writes them as `<Response><Errors>`, the other query APIs as `<ErrorResponse>`, awsJson as JSON.
 */
import type { HttpRefusal, WireReply, WireRequest } from '../../../core/cloud-api.js';
import { CloudError } from '../../../core/errors.js';
import { renderEc2Error, renderJsonError, renderQueryError } from './errors.js';
import { credentialScope } from './request.js';

export type AwsProtocol = 'ec2' | 'query' | 'json' | 'imds';

/** Which AWS protocol an unidentified request is in, or undefined when it is not AWS's. */
export function awsProtocolOf(req: WireRequest): AwsProtocol | undefined {
  const type = String(req.headers['content-type'] ?? '');
  if (req.headers['x-amz-target'] !== undefined || type.startsWith('application/x-amz-json')) return 'json';
  const scope = credentialScope(req);
  if (scope) return scope.service === 'ec2' ? 'ec2' : 'query';
  const host = String(req.headers.host ?? '').toLowerCase().replace(/:\d*$/, '');
  if (host.endsWith('.amazonaws.com')) return host.startsWith('ec2.') ? 'ec2' : 'query';
  // An unsigned form post to `/`: the query protocol's endpoint, which AWS owns here.
  if (req.path === '/' && type.startsWith('application/x-www-form-urlencoded')) return 'ec2';
  return undefined;
}

export function awsHttpRefusal(kind: HttpRefusal, req: WireRequest, known: AwsProtocol | undefined, requestId: string): WireReply | undefined {
  const protocol = known ?? awsProtocolOf(req);
  if (!protocol) return undefined;
  const err =
    kind === 'tooLarge'
      ? new CloudError('RequestEntityTooLargeException', 413, 'Problems with the request at the HTTP level. The request entity is too large.')
      : new CloudError('UnknownOperationException', 404, `The action or operation requested is invalid. Verify that the action is typed correctly. (${req.method} ${req.path})`);
  switch (protocol) {
    case 'imds':
      // IMDS answers in plain text, as its own 404s are.
      return { status: err.status, headers: { 'content-type': 'text/plain' }, body: kind === 'tooLarge' ? 'Request Entity Too Large' : 'Not Found', errorCode: err.code };
    case 'json':
      return renderJsonError(err, requestId);
    case 'query':
      return renderQueryError(err, requestId);
    default:
      return renderEc2Error(err, requestId);
  }
}
