/** The EC2 service: operation table, model-driven decode/encode, and the per-call context. */
import type { CallContext, WireReply } from '../../../core/cloud-api.js';
import { Ec2Errors } from '../shared/errors.js';
import { decodeEc2Query, encodeEc2Response } from '../shared/ec2-query.js';
import { serviceModel } from '../shared/model.js';
import { ec2FaultScope } from './fault-scope.js';
import { REGIONS } from './region-data.js';
import { attachmentOperations } from './attachments.js';
import type { Ec2Context, Ec2Operation } from './context.js';
import { instanceOperations } from './instances.js';
import { instanceTypeOperations } from './instance-types.js';
import { modificationOperations } from './modifications.js';
import { snapshotOperations } from './snapshots.js';
import { volumeStatusOperations } from './volume-status.js';
import { networkOperations } from './network.js';
import { T } from './records.js';
import { regionOperations } from './regions.js';
import { tagOperations } from './tags.js';
import { volumeOperations } from './volumes.js';

const OPERATIONS: Readonly<Record<string, Ec2Operation>> = {
  ...regionOperations,
  ...networkOperations,
  ...instanceOperations,
  ...instanceTypeOperations,
  ...volumeOperations,
  ...volumeStatusOperations,
  ...modificationOperations,
  ...snapshotOperations,
  ...attachmentOperations,
  ...tagOperations,
};

export const EC2_OPERATIONS = Object.keys(OPERATIONS);
const MODEL_PACKAGE = '@aws-sdk/client-ec2';

export interface Ec2Call {
  operation: string;
  account: string;
  region: string;
  params: URLSearchParams;
}

export async function serveEc2(call: Ec2Call, ctx: CallContext): Promise<WireReply> {
  const impl = Object.hasOwn(OPERATIONS, call.operation) ? OPERATIONS[call.operation] : undefined;
  const model = impl ? serviceModel(MODEL_PACKAGE).operation(call.operation) : undefined;
  if (!impl || !model) throw Ec2Errors.invalidAction(call.operation);
  if (!call.params.get('Version')) throw Ec2Errors.missingParameter('Version');
  const { engine } = ctx;
  const tenant = engine.store.tenant('aws', call.account);
  if (!REGIONS[call.region] && tenant.collection(T.zone).list({ region: call.region }).length === 0)
    throw Ec2Errors.authFailure(`Credential should be scoped to a valid region, not '${call.region}'.`);

  const input = decodeEc2Query(call.params, model.input);
  const ids = resourceIdsIn(input);
  ctx.touch(...ids);
  const { staleHorizon } = await ctx.gate(ec2FaultScope(tenant, input, ids));
  const ec2: Ec2Context = {
    engine,
    tenant,
    account: call.account,
    region: call.region,
    requestId: ctx.requestId,
    now: () => new Date(engine.clock.now()),
    newId: (prefix) => engine.ids.prefixed(`aws:${prefix}`, prefix),
    touch: ctx.touch,
  };
  const output = tenant.withHorizon(staleHorizon, () => impl(input, ec2));
  return {
    status: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': ctx.requestId },
    body: encodeEc2Response(call.operation, model.output, output, ctx.requestId),
  };
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
