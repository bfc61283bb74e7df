/**
 * DescribeInstanceAttribute and ModifyInstanceAttribute for every attribute EC2 names, with its
 * rules: one attribute per call, instanceType/userData/ebsOptimized only while stopped, the root
 * and mapped volumes' DeleteOnTermination by device name.
 */
import type { DescribeInstanceAttributeRequest, InstanceAttribute, ModifyInstanceAttributeRequest } from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { isoDate } from '../shared/iso-time.js';
import { checkDryRun, checkIdShape } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { DEFAULT_METADATA, instanceState } from './instance-view.js';
import { instances } from './launch.js';
import { patch, T, type InstanceData, type SecurityGroupData } from './records.js';
import { attachmentsOnInstance } from './volumes.js';

type InstanceRecord = ResourceRecord<InstanceData>;

/** A live instance of the caller's region (terminated ones refuse attribute calls). */
export function requireInstance(ctx: Ec2Context, id: string | undefined): InstanceRecord {
  if (!id) throw Ec2Errors.missingParameter('InstanceId');
  checkIdShape([id], 'i', 'InvalidInstanceID.Malformed');
  ctx.touch(id);
  const r = instances(ctx).get(id);
  if (!r || r.region !== ctx.region) throw Ec2Errors.instanceNotFound([id]);
  return r;
}

const ATTRIBUTES = [
  'instanceType', 'kernel', 'ramdisk', 'userData', 'disableApiTermination', 'instanceInitiatedShutdownBehavior', 'rootDeviceName',
  'blockDeviceMapping', 'productCodes', 'sourceDestCheck', 'groupSet', 'ebsOptimized', 'sriovNetSupport', 'enaSupport',
  'enclaveOptions', 'disableApiStop',
] as const;

function describeInstanceAttribute(input: DescribeInstanceAttributeRequest, ctx: Ec2Context): InstanceAttribute {
  if (!input.Attribute) throw Ec2Errors.missingParameter('Attribute');
  if (!(ATTRIBUTES as readonly string[]).includes(input.Attribute))
    throw Ec2Errors.invalidParameterValue(`Value (${input.Attribute}) for parameter attribute is invalid. Unknown attribute.`);
  const r = requireInstance(ctx, input.InstanceId);
  checkDryRun(input);
  const d = r.data;
  const out: InstanceAttribute = { InstanceId: r.id };
  switch (input.Attribute) {
    case 'instanceType': out.InstanceType = { Value: d.instanceType }; break;
    case 'kernel': out.KernelId = {}; break;
    case 'ramdisk': out.RamdiskId = {}; break;
    case 'userData': out.UserData = d.userData !== undefined ? { Value: d.userData } : {}; break;
    case 'disableApiTermination': out.DisableApiTermination = { Value: d.disableApiTermination ?? false }; break;
    case 'disableApiStop': out.DisableApiStop = { Value: d.disableApiStop ?? false }; break;
    case 'instanceInitiatedShutdownBehavior': out.InstanceInitiatedShutdownBehavior = { Value: d.shutdownBehavior ?? 'stop' }; break;
    case 'rootDeviceName': out.RootDeviceName = { Value: d.rootDeviceName }; break;
    case 'productCodes': out.ProductCodes = []; break;
    case 'sourceDestCheck': out.SourceDestCheck = { Value: d.sourceDestCheck }; break;
    case 'ebsOptimized': out.EbsOptimized = { Value: d.ebsOptimized ?? false }; break;
    case 'sriovNetSupport': out.SriovNetSupport = { Value: 'simple' }; break;
    case 'enaSupport': out.EnaSupport = { Value: true }; break;
    case 'enclaveOptions': out.EnclaveOptions = { Enabled: false }; break;
    case 'groupSet':
      out.Groups = d.securityGroupIds.map((id) => ({ GroupId: id, GroupName: ctx.tenant.collection<SecurityGroupData>(T.securityGroup).peek(id)?.data.groupName }));
      break;
    case 'blockDeviceMapping':
      out.BlockDeviceMappings = attachmentsOnInstance(ctx, r.id).map((a) => ({
        DeviceName: a.data.device,
        Ebs: { AttachTime: isoDate(a.data.attachTime), DeleteOnTermination: a.data.deleteOnTermination, Status: (a.lc?.state ?? 'attached') as 'attached', VolumeId: a.data.volumeId },
      }));
      break;
  }
  return out;
}

/** Attributes that change only while the instance is stopped, as EC2 requires. */
const STOPPED_ONLY = new Set(['instanceType', 'userData', 'ebsOptimized', 'kernel', 'ramdisk', 'enaSupport', 'sriovNetSupport']);

/** The attribute a request changes: its named parameter, or the legacy `Attribute` + `Value` pair. */
function changedAttributes(input: ModifyInstanceAttributeRequest): Array<[string, unknown]> {
  const given: Array<[string, unknown]> = [];
  const add = (name: string, v: unknown) => v !== undefined && given.push([name, v]);
  add('sourceDestCheck', input.SourceDestCheck?.Value);
  add('instanceType', input.InstanceType?.Value);
  add('userData', input.UserData?.Value);
  add('disableApiTermination', input.DisableApiTermination?.Value);
  add('disableApiStop', input.DisableApiStop?.Value);
  add('instanceInitiatedShutdownBehavior', input.InstanceInitiatedShutdownBehavior?.Value);
  add('ebsOptimized', input.EbsOptimized?.Value);
  add('enaSupport', input.EnaSupport?.Value);
  add('sriovNetSupport', input.SriovNetSupport?.Value);
  add('kernel', input.Kernel?.Value);
  add('ramdisk', input.Ramdisk?.Value);
  if (input.Groups?.length) given.push(['groupSet', input.Groups]);
  if (input.BlockDeviceMappings?.length) given.push(['blockDeviceMapping', input.BlockDeviceMappings]);
  if (input.Attribute !== undefined) {
    if (input.Value === undefined && input.Attribute !== 'blockDeviceMapping' && input.Attribute !== 'groupSet') throw Ec2Errors.missingParameter('Value');
    if (input.Value !== undefined) given.push([input.Attribute, input.Value]);
  }
  return given;
}

const bool = (name: string, v: unknown): boolean => {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw Ec2Errors.invalidParameterValue(`Value (${String(v)}) for parameter ${name} is invalid. Expected: 'true' or 'false'.`);
};

function modifyInstanceAttribute(input: ModifyInstanceAttributeRequest, ctx: Ec2Context): object {
  const r = requireInstance(ctx, input.InstanceId);
  const changes = changedAttributes(input);
  if (changes.length !== 1) throw Ec2Errors.invalidParameterCombination('Exactly one attribute may be modified per request.');
  const [name, value] = changes[0]!;
  if (!(ATTRIBUTES as readonly string[]).includes(name) || ['rootDeviceName', 'productCodes', 'enclaveOptions'].includes(name))
    throw Ec2Errors.invalidParameterValue(`Value (${name}) for parameter attribute is invalid. Attribute cannot be modified.`);
  const state = instanceState(r);
  if (state === 'terminated' || state === 'shutting-down') throw Ec2Errors.incorrectInstanceState(r.id);
  if (STOPPED_ONLY.has(name) && state !== 'stopped') throw ec2Error('IncorrectInstanceState', `The instance '${r.id}' is not in the 'stopped' state.`);
  const apply: Array<() => void> = [];
  const d = r.data;
  switch (name) {
    case 'sourceDestCheck': { const v = bool('SourceDestCheck', value); apply.push(() => patch(r, { sourceDestCheck: v })); break; }
    case 'disableApiTermination': { const v = bool('DisableApiTermination', value); apply.push(() => patch(r, { disableApiTermination: v })); break; }
    case 'disableApiStop': { const v = bool('DisableApiStop', value); apply.push(() => patch(r, { disableApiStop: v })); break; }
    case 'ebsOptimized': { const v = bool('EbsOptimized', value); apply.push(() => patch(r, { ebsOptimized: v })); break; }
    case 'enaSupport': bool('EnaSupport', value); break;
    case 'instanceType': {
      const v = String(value);
      if (!/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/.test(v)) throw Ec2Errors.invalidParameterValue(`Invalid value '${v}' for InstanceType.`);
      apply.push(() => patch(r, { instanceType: v }));
      break;
    }
    case 'userData': {
      // The SDK sends the attribute's bytes base64-encoded; that is what DescribeInstanceAttribute returns.
      const v = value instanceof Uint8Array ? Buffer.from(value).toString('base64') : String(value);
      if (Buffer.from(v, 'base64').length > 16384) throw Ec2Errors.invalidParameterValue('User data is limited to 16384 bytes');
      apply.push(() => patch(r, { userData: v }));
      break;
    }
    case 'instanceInitiatedShutdownBehavior': {
      const v = String(value);
      if (v !== 'stop' && v !== 'terminate') throw Ec2Errors.invalidParameterValue(`Value (${v}) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values: stop, terminate`);
      apply.push(() => patch(r, { shutdownBehavior: v }));
      break;
    }
    case 'groupSet': {
      const ids = value as string[];
      for (const g of ids) {
        const grp = ctx.tenant.collection<SecurityGroupData>(T.securityGroup).peek(g);
        if (!grp || grp.data.vpcId !== d.vpcId) throw ec2Error('InvalidGroup.NotFound', `The security group '${g}' does not exist in VPC '${d.vpcId}'`);
      }
      apply.push(() => patch(r, { securityGroupIds: [...ids] }));
      break;
    }
    case 'blockDeviceMapping': {
      const atts = attachmentsOnInstance(ctx, r.id);
      for (const m of input.BlockDeviceMappings ?? []) {
        const a = atts.find((x) => x.data.device === m.DeviceName);
        if (!a) throw ec2Error('InvalidInstanceAttributeValue', `No device is currently mapped at ${m.DeviceName ?? ''}`);
        if (m.Ebs?.VolumeId !== undefined && m.Ebs.VolumeId !== a.data.volumeId)
          throw ec2Error('InvalidInstanceAttributeValue', `The volume ${m.Ebs.VolumeId} is not attached at ${m.DeviceName}`);
        const v = m.Ebs?.DeleteOnTermination;
        if (v !== undefined) apply.push(() => patch(a, { deleteOnTermination: v }));
      }
      break;
    }
    default:
      // kernel, ramdisk, sriovNetSupport: accepted and not modelled further.
      break;
  }
  checkDryRun(input);
  for (const f of apply) f();
  return {};
}

/** The metadata options the instance reports (a ModifyInstanceMetadataOptions target). */
export const metadataOf = (r: InstanceRecord) => r.data.metadataOptions ?? DEFAULT_METADATA;

export const instanceAttributeOperations = {
  DescribeInstanceAttribute: op(describeInstanceAttribute),
  ModifyInstanceAttribute: op(modifyInstanceAttribute),
};
