/**
 * One way through for every AWS service: look the operation up in the service's table and the
 * model, decode by protocol (EC2 query, awsQuery, awsJson), pass the fault gate, run the handler
 * in the caller's account and region, encode the answer by protocol.
 */
import type { CallContext, WireReply, WireRequest } from '../../core/cloud-api.js';
import { CloudError } from '../../core/errors.js';
import type { ResourceInfo } from '../../core/faults/types.js';
import type { TenantStore } from '../../core/store.js';
import { T } from './ec2/records.js';
import { REGIONS } from './ec2/region-data.js';
import type { AwsContext, AwsOperation } from './shared/context.js';
import { decodeEc2Query, encodeEc2Response } from './shared/ec2-query.js';
import { Ec2Errors } from './shared/errors.js';
import { decodeJson, encodeJson } from './shared/json-protocol.js';
import { serviceModel } from './shared/model.js';
import { decodeQuery, encodeQueryResponse } from './shared/query-protocol.js';
import type { AccountResolver } from './shared/request.js';

export type AwsProtocol = 'ec2' | 'query' | 'json';

export interface AwsService {
  /** The SigV4 signing name, which is also the journal's service name. */
  name: string;
  protocol: AwsProtocol;
  /** The npm package whose Smithy model describes the wire format. */
  modelPackage: string;
  /** awsQuery answers carry the service's XML namespace. */
  xmlNamespace?: string;
  /** awsJson: 1.0 or 1.1 (the content type of answers). */
  jsonVersion?: '1.0' | '1.1';
  operations: Readonly<Record<string, AwsOperation>>;
  /** Zones and resources a fault rule may match on, where the service knows more than ids. */
  faultScope?(tenant: TenantStore, input: Record<string, unknown>, ids: readonly string[]): { zones: string[]; resources: ResourceInfo[] };
}

export interface AwsCallTarget {
  operation: string;
  accessKeyId?: string;
  account: string;
  region: string;
  params: URLSearchParams;
}

export function unknownOperation(service: AwsService, operation: string): CloudError {
  return service.protocol === 'json'
    ? new CloudError('UnknownOperationException', 400, `Operation ${operation} is not supported by ${service.name}.`)
    : Ec2Errors.invalidAction(operation);
}

export async function serveAws(service: AwsService, call: AwsCallTarget, req: WireRequest, ctx: CallContext, accounts: AccountResolver): Promise<WireReply> {
  const impl = Object.hasOwn(service.operations, call.operation) ? service.operations[call.operation] : undefined;
  const model = impl ? serviceModel(service.modelPackage).operation(call.operation) : undefined;
  if (!impl || !model) throw unknownOperation(service, call.operation);
  if (service.protocol !== 'json' && !call.params.get('Version')) throw Ec2Errors.missingParameter('Version');
  const { engine } = ctx;
  const tenant = engine.store.tenant('aws', call.account);
  if (!REGIONS[call.region] && tenant.collection(T.zone).list({ region: call.region }).length === 0)
    throw Ec2Errors.authFailure(`Credential should be scoped to a valid region, not '${call.region}'.`);

  const input =
    service.protocol === 'ec2' ? decodeEc2Query(call.params, model.input) : service.protocol === 'query' ? decodeQuery(call.params, model.input) : decodeJson(req.body, model.input);
  const ids = resourceIdsIn(input);
  ctx.touch(...ids);
  const { staleHorizon } = await ctx.gate(() => service.faultScope?.(tenant, input, ids) ?? {});
  const aws: AwsContext = {
    engine,
    tenant,
    account: call.account,
    region: call.region,
    requestId: ctx.requestId,
    now: () => new Date(engine.clock.now()),
    newId: (prefix) => engine.ids.prefixed(`aws:${prefix}`, prefix),
    touch: ctx.touch,
    accounts,
    accessKeyId: call.accessKeyId,
  };
  const output = tenant.withHorizon(staleHorizon, () => impl(input, aws));
  switch (service.protocol) {
    case 'ec2':
      return xml(encodeEc2Response(call.operation, model.output, output, ctx.requestId), ctx.requestId, 'text/xml;charset=UTF-8');
    case 'query':
      return xml(encodeQueryResponse(call.operation, service.xmlNamespace ?? '', model.output, output, ctx.requestId), ctx.requestId, 'text/xml');
    case 'json':
      return {
        status: 200,
        headers: { 'content-type': `application/x-amz-json-${service.jsonVersion ?? '1.1'}`, 'x-amzn-requestid': ctx.requestId },
        body: encodeJson(model.output, output),
      };
  }
}

function xml(body: Buffer, requestId: string, contentType: string): WireReply {
  return { status: 200, headers: { 'content-type': contentType, 'x-amzn-requestid': requestId }, body };
}

const ID = /^[a-z]+(-[a-z]+)?-[0-9a-f]{8,17}$/;

/** Resource ids named in the input (`VolumeId`, `InstanceIds`, `Resources`), for the journal and fault rules. */
function resourceIdsIn(input: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(input)) {
    if (!/Ids?$|^Resources$/.test(k)) continue;
    for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string' && ID.test(x)) out.push(x);
  }
  return out;
}
