// The soak leg's workload: what a cluster's AWS and GCP CSI controllers and CCMs send, as
// open-loop streams for soak-load.mjs. At the default 1,000 req/s (every rate scales with it):
//
//   stream                                   arrivals/s  requests each  req/s
//   EBS CSI flow (node-a/b/c, us-east-1a/b/c)        20        7 (+polls)   140
//   PD CSI flow (node-a/b/c, us-central1-a/b/c)      20        8 (+polls)   160
//   DescribeInstances by private-dns-name           250        1            250  (CCM node controller)
//   DescribeVolumes, no filter                      100        1            100  (CSI / attach-detach lists)
//   instances.get node-a/b/c                        150        1            150  (GCE CCM node controller)
//   instances.list us-central1-a                     50        1             50
//   disks.list us-central1-a                        150        1            150
//
// EBS flow: CreateVolume (ClientToken = sha256 of the PV name, CSIVolumeName tag, as the driver
// sends it) -> DescribeVolumes until available -> AttachVolume -> DescribeVolumes
// until attached -> DetachVolume -> DescribeVolumes until available -> DeleteVolume.
// PD flow: disks.insert -> zoneOperations.wait -> instances.attachDisk -> zoneOperations.get
// until DONE -> instances.detachDisk -> get until DONE -> disks.delete -> get until DONE.
// Each flow holds a slot (an instance and, for EBS, a device name) while it runs: 24 per
// instance, as an m5.large takes 26 more EBS volumes. A flow arrival finding no free slot
// waits for one (its lateness counts as behind schedule); a failed flow's slot is retired.

import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { XMLParser } from 'fast-xml-parser';
import { ec2Body, ec2Headers } from './ec2.mjs';
import { diskBody, gceHeaders, gcePath, operationError, parseJson } from './gcp.mjs';

const SLOTS_PER_INSTANCE = 24;
const POLL_MS = 10;
const POLL_LIMIT_MS = 10_000;
const PENDING_FLOWS = 1000;

/** Per 1,000 req/s. */
export const MIX = {
  'EBS CSI flow': 20,
  'PD CSI flow': 20,
  'DescribeInstances private-dns-name': 250,
  DescribeVolumes: 100,
  'instances.get': 150,
  'instances.list': 50,
  'disks.list': 150,
};

const xml = new XMLParser({ isArray: (name) => name === 'item', parseTagValue: false });
const items = (x) => (Array.isArray(x?.item) ? x.item : []);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class FlowFailed extends Error {}

const ec2 = (action, params = {}) => ({
  method: 'POST', path: '/', headers: ec2Headers(), body: ec2Body(action, params), what: action,
});
const gce = (method, rel, body) => ({
  method, path: gcePath(rel), headers: gceHeaders(body !== undefined), body, what: `${method} ${rel.replace(/soak-[\w-]+/g, '<name>').replace(/operation-[\w-]+/g, '<op>')}`,
});

/** The seeded EC2 instances (node-a/b/c) with their zone and private DNS name. */
export async function ec2Nodes(client) {
  const a = await client.submit(ec2('DescribeInstances'));
  if (a.status !== 200) throw new Error(`DescribeInstances answered HTTP ${a.status}`);
  const insts = items(xml.parse(a.body)?.DescribeInstancesResponse?.reservationSet).flatMap((r) => items(r.instancesSet));
  const nodes = insts.filter((i) => i.instanceState?.name === 'running' && i.privateDnsName)
    .map((i) => ({ id: i.instanceId, zone: i.placement?.availabilityZone, dns: i.privateDnsName }));
  if (!nodes.length) throw new Error('no running EC2 instance with a private DNS name');
  return nodes;
}

/** The seeded GCE instances node-a/b/c in us-central1-a/b/c, checked RUNNING. */
export async function gceNodes(client) {
  const nodes = [['node-a', 'us-central1-a'], ['node-b', 'us-central1-b'], ['node-c', 'us-central1-c']].map(([name, zone]) => ({ name, zone }));
  for (const n of nodes) {
    const a = await client.submit(gce('GET', `zones/${n.zone}/instances/${n.name}`));
    if (a.status !== 200 || parseJson(a.body)?.status !== 'RUNNING') throw new Error(`instances.get ${n.zone}/${n.name}: HTTP ${a.status}, not RUNNING`);
  }
  return nodes;
}

/**
 * The streams for `client` at `rate` req/s over `ec2s` and `gces` (ec2Nodes, gceNodes).
 * `stats` collects flow outcomes: { flows: { name: { ok, failed, retired } }, pending, droppedFlows }.
 */
export function soakStreams(client, rate, ec2s, gces) {
  const stats = { flows: {}, droppedFlows: 0 };
  const scale = rate / 1000;
  let seq = 0;
  let rr = 0;
  const next = (xs) => xs[rr++ % xs.length];

  // A request that must answer 2xx and pass `check(body)`; read streams only count failures.
  const read = (name, make, check) => (dueAt) => {
    const req = make();
    client.submit(req, dueAt).then((a) => {
      if (a.status >= 200 && a.status < 300 && !check(a.body, req)) client.error(`bad answer: ${name}`, a.body.slice(0, 200));
    }, () => {});
  };

  const flowStream = (name, slotsOf, oneFlow) => {
    const free = slotsOf();
    const pending = [];
    const s = (stats.flows[name] = { ok: 0, failed: 0, retired: 0 });
    const start = (slot, dueAt) => {
      oneFlow(slot, dueAt).then(() => {
        s.ok++;
        client.current().flowsOk++;
        free.push(slot);
      }, (err) => {
        s.failed++;
        s.retired++; // what it left behind (an attachment) may still hold the slot
        client.current().flowsFailed++;
        if (!err.dropped) client.error(`flow failed: ${name}: ${err instanceof FlowFailed ? err.message.split(':')[0] : `socket ${err.code}`}`, err.message);
      }).finally(() => {
        if (pending.length && free.length) start(free.shift(), pending.shift());
      });
    };
    return (dueAt) => {
      if (free.length) start(free.shift(), dueAt);
      else if (pending.length < PENDING_FLOWS) pending.push(dueAt);
      else { stats.droppedFlows++; client.error(`flow dropped: ${name} (no free slot, ${PENDING_FLOWS} waiting)`, ''); }
    };
  };

  // One step of a flow: 2xx or the flow fails; later steps are due when the previous answer came.
  const step = async (req, dueAt) => {
    const a = await client.submit(req, dueAt);
    if (a.status < 200 || a.status >= 300) throw new FlowFailed(`${req.what} HTTP ${a.status}: ${a.body.slice(0, 200)}`);
    return a.body;
  };
  const until = async (what, read1, done) => {
    const t0 = performance.now();
    for (;;) {
      const v = await read1();
      if (done(v)) return v;
      if (performance.now() - t0 > POLL_LIMIT_MS) throw new FlowFailed(`${what} not reached in ${POLL_LIMIT_MS} ms`);
      await sleep(POLL_MS);
    }
  };

  const volume = async (id) => {
    const v = items(xml.parse(await step(ec2('DescribeVolumes', { 'VolumeId.1': id })))?.DescribeVolumesResponse?.volumeSet)[0];
    if (!v) throw new FlowFailed(`DescribeVolumes no volume ${id}`);
    return { status: v.status, attachments: items(v.attachmentSet) };
  };
  // As the EBS CSI driver creates a volume: idempotent on a hash of the PV name, tagged with it.
  const ebsFlow = async ({ node, device }, dueAt) => {
    const pv = `pvc-soak-${seq++}`;
    const body = await step(ec2('CreateVolume', {
      AvailabilityZone: node.zone, Size: '1', VolumeType: 'gp3', ClientToken: createHash('sha256').update(pv).digest('hex'),
      'TagSpecification.1.ResourceType': 'volume', 'TagSpecification.1.Tag.1.Key': 'CSIVolumeName', 'TagSpecification.1.Tag.1.Value': pv,
      'TagSpecification.1.Tag.2.Key': 'ebs.csi.aws.com/cluster', 'TagSpecification.1.Tag.2.Value': 'true',
    }), dueAt);
    const VolumeId = /<volumeId>([^<]+)<\/volumeId>/.exec(body)?.[1];
    if (!VolumeId) throw new FlowFailed('CreateVolume no volumeId');
    await until('CreateVolume available', () => volume(VolumeId), (v) => v.status === 'available');
    await step(ec2('AttachVolume', { VolumeId, InstanceId: node.id, Device: device }));
    await until('AttachVolume attached', () => volume(VolumeId), (v) => v.attachments.some((x) => x.instanceId === node.id && x.status === 'attached'));
    await step(ec2('DetachVolume', { VolumeId, InstanceId: node.id }));
    await until('DetachVolume available', () => volume(VolumeId), (v) => v.status === 'available');
    await step(ec2('DeleteVolume', { VolumeId }));
  };

  const op = async (what, req, dueAt, waitFirst) => {
    let o = parseJson(await step(req, dueAt));
    if (typeof o?.name !== 'string') throw new FlowFailed(`${what} answered no operation`);
    const zone = o.zone ? String(o.zone).split('/').pop() : undefined;
    const rel = `zones/${zone}/operations/${o.name}`;
    o = await until(`${what} DONE`, async () => parseJson(await step(waitFirst ? gce('POST', `${rel}/wait`) : gce('GET', rel))), (x) => x?.status === 'DONE');
    if (operationError(o)) throw new FlowFailed(`${what} operation error: ${operationError(o)}`);
  };
  const pdFlow = async ({ node }, dueAt) => {
    const name = `soak-${seq++}`;
    const z = `zones/${node.zone}`;
    await op('disks.insert', gce('POST', `${z}/disks`, diskBody(name).replace('us-central1-a', node.zone)), dueAt, true);
    await op('attachDisk', gce('POST', `${z}/instances/${node.name}/attachDisk`, JSON.stringify({ source: `${z}/disks/${name}`, deviceName: name, mode: 'READ_WRITE', type: 'PERSISTENT' })));
    await op('detachDisk', gce('POST', `${z}/instances/${node.name}/detachDisk?deviceName=${name}`));
    await op('disks.delete', gce('DELETE', `${z}/disks/${name}`));
  };

  const devices = [...'bcdefghijklmnopqrstuvwxyz'].map((x) => `/dev/xvdb${x}`);
  const ebsSlots = () => ec2s.flatMap((node) => devices.slice(0, SLOTS_PER_INSTANCE).map((device) => ({ node, device })));
  const pdSlots = () => gces.flatMap((node) => Array.from({ length: SLOTS_PER_INSTANCE }, () => ({ node })));

  const arrive = {
    'EBS CSI flow': flowStream('EBS CSI flow', ebsSlots, ebsFlow),
    'PD CSI flow': flowStream('PD CSI flow', pdSlots, pdFlow),
    'DescribeInstances private-dns-name': read('DescribeInstances private-dns-name', () => {
      const n = next(ec2s);
      return { ...ec2('DescribeInstances', { 'Filter.1.Name': 'private-dns-name', 'Filter.1.Value.1': n.dns }), expect: n.id };
    }, (body, req) => body.includes(`<instanceId>${req.expect}</instanceId>`)),
    DescribeVolumes: read('DescribeVolumes', () => ec2('DescribeVolumes'), (body) => body.includes('<volumeSet')),
    'instances.get': read('instances.get', () => { const n = next(gces); return gce('GET', `zones/${n.zone}/instances/${n.name}`); }, (body) => body.includes('RUNNING')),
    'instances.list': read('instances.list', () => gce('GET', 'zones/us-central1-a/instances'), (body) => body.includes('compute#instanceList')),
    'disks.list': read('disks.list', () => gce('GET', 'zones/us-central1-a/disks'), (body) => body.includes('compute#diskList')),
  };
  const streams = Object.entries(MIX).map(([name, perK]) => ({ name, rate: perK * scale, arrive: arrive[name] }));
  return { streams, stats };
}
