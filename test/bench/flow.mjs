// The EBS CSI volume flow, repeated by `concurrency` closed-loop workers:
//   CreateVolume (gp3, 1 GiB, us-east-1a) -> poll DescribeVolumes until `available`
//   -> AttachVolume (device /dev/xvdXY, unique per in-flight flow) -> poll until `attached`
//   -> DetachVolume -> poll until `available` -> DeleteVolume
// on one running instance in us-east-1a (RunInstances one if there is none).
//
// Only the EC2 steps live here; the client, the workers, the bounds and the
// figures are flow-runner.mjs's, shared with the PD CSI controller flow.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { XMLParser } from 'fast-xml-parser';
import { describeAnswer, ec2Body, ec2Headers } from './ec2.mjs';
import {
  FlowError, WAIT_TIMEOUT_MS, failedAs, measureFlows, poll, send,
} from './flow-runner.mjs';

export const FLOW_ZONE = 'us-east-1a';
export const FLOW_AMI = 'ami-12c6146b'; // in moto's default AMI list
export const FLOW_MAX_CONCURRENCY = 24; // an m5.large takes 26 more EBS volumes (28 slots, minus root volume and ENI)

const xml = new XMLParser({ isArray: (name) => name === 'item', parseTagValue: false });
const items = (x) => (Array.isArray(x?.item) ? x.item : []);

const showParams = (p) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join('&');

/** An EC2 query request of a flow that must answer 2xx; resolves to { status, body }. */
const step = (ctx, flow, action, params) => send(ctx, flow, {
  method: 'POST', path: '/', headers: ec2Headers(), body: ec2Body(action, params), what: `${action} ${showParams(params)}`,
});

function volumeOf(body) {
  const v = items(xml.parse(body)?.DescribeVolumesResponse?.volumeSet)[0];
  return v && { status: v.status, attachments: items(v.attachmentSet) };
}

function waitVolume(ctx, flow, volumeId, what, done) {
  const params = { 'VolumeId.1': volumeId };
  return poll(ctx, async () => {
    const v = volumeOf((await step(ctx, flow, 'DescribeVolumes', params)).body);
    if (!v) throw new FlowError('other', `DescribeVolumes ${showParams(params)}: no volume in the 2xx answer`);
    return v;
  }, done, (v, ms) => {
    const atts = v.attachments.map((x) => `${x.instanceId}:${x.status}`).join(',') || 'none';
    return `${volumeId} not ${what} after ${ms} ms (last: status ${v.status}, attachments ${atts})`;
  });
}

async function oneFlow(ctx, flow, device) {
  const c = await step(ctx, flow, 'CreateVolume', { AvailabilityZone: FLOW_ZONE, Size: '1', VolumeType: 'gp3' });
  const VolumeId = /<volumeId>([^<]+)<\/volumeId>/.exec(c.body)?.[1];
  if (!VolumeId) throw new FlowError('other', 'CreateVolume answered 2xx without <volumeId>');
  const InstanceId = ctx.instanceId;
  await waitVolume(ctx, flow, VolumeId, 'available', (v) => v.status === 'available');
  await step(ctx, flow, 'AttachVolume', { VolumeId, InstanceId, Device: device });
  await waitVolume(ctx, flow, VolumeId, 'attached', (v) => v.attachments.some((x) => x.instanceId === InstanceId && x.status === 'attached'));
  await step(ctx, flow, 'DetachVolume', { VolumeId, InstanceId });
  await waitVolume(ctx, flow, VolumeId, 'available after detach', (v) => v.status === 'available');
  await step(ctx, flow, 'DeleteVolume', { VolumeId });
}

/** /dev/xvdba ... /dev/xvdzz: a flow takes one and gives it back when it succeeds. */
const deviceNames = () => [...'bcdefghijklmnopqrstuvwxyz'].flatMap((x) => [...'abcdefghijklmnopqrstuvwxyz'].map((y) => `/dev/xvd${x}${y}`));

function runningIn(body) {
  const insts = items(xml.parse(body)?.DescribeInstancesResponse?.reservationSet).flatMap((r) => items(r.instancesSet));
  return insts.filter((i) => i.instanceState?.name === 'running').map((i) => i.instanceId);
}

/** A running instance in FLOW_ZONE: an existing one, or one launched with RunInstances. */
async function findInstance(ctx, flow) {
  const filters = {
    'Filter.1.Name': 'availability-zone', 'Filter.1.Value.1': FLOW_ZONE,
    'Filter.2.Name': 'instance-state-name', 'Filter.2.Value.1': 'running',
  };
  const [existing] = runningIn((await step(ctx, flow, 'DescribeInstances', filters)).body);
  if (existing) return { instanceId: existing, launched: false };
  const run = await step(ctx, flow, 'RunInstances', {
    ImageId: FLOW_AMI, InstanceType: 'm5.large', MinCount: '1', MaxCount: '1', 'Placement.AvailabilityZone': FLOW_ZONE,
  });
  const id = /<instanceId>([^<]+)<\/instanceId>/.exec(run.body)?.[1];
  if (!id) throw new FlowError('other', 'RunInstances answered 2xx without <instanceId>');
  const t0 = performance.now();
  while (performance.now() - t0 < WAIT_TIMEOUT_MS) {
    if (runningIn((await step(ctx, flow, 'DescribeInstances', filters)).body).includes(id)) return { instanceId: id, launched: true };
    await sleep(100);
  }
  throw new FlowError('other', `launched ${id} is not running in ${FLOW_ZONE} after ${WAIT_TIMEOUT_MS} ms`);
}

/**
 * Finds (or launches) the instance, runs an unmeasured warm-up, then the measured phase
 * (flow-runner.mjs's measureFlows). Resolves to its figures plus { instanceId, launched }.
 */
export function measureFlow(url, settings) {
  return measureFlows(url, settings, {
    describe: describeAnswer,
    prepare: (ctx, flow) => findInstance(ctx, flow).catch(failedAs(`no running instance in ${FLOW_ZONE}`)),
    // Each run gets the whole pool; a failed flow's device is not handed out again
    // (its volume may still be attached there).
    slots: () => {
      const devices = deviceNames();
      return { take: () => devices.shift(), release: (device) => devices.push(device) };
    },
    oneFlow,
  });
}
