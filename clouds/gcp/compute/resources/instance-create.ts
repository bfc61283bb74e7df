/**
 * instances.insert, and the same build for managed groups: a boot disk (and further disks) made
 * from `initializeParams` (public images and families resolve, see public-images.ts) or an
 * existing disk, interfaces with an address from the subnetwork and an ephemeral external one per
 * access config, metadata, labels, tags, the service account; all checked before anything is
 * made, and everything made is undone when a later step fails.
 */
import type { ResourceRecord } from '../../../../core/store.js';
import { defineHandlers, type ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { createResource, fingerprint } from '../collections.js';
import { defineEffect, timestamp } from '../operations.js';
import { alreadyExists, badRequest, inUse, invalid, notFound, required } from '../problems.js';
import { baseName, ref } from '../urls.js';
import { allocateIp, EXTERNAL_KEY, EXTERNAL_POOL, inCidr, releaseIp } from '../../ips.js';
import { G, instanceKey, regionOf, type GceInstanceData, type ProjectData } from '../../records.js';
import { subnetworkFor } from './addresses.js';
import { DISK, DISKS, findDisk } from './disks.js';
import { removeInstance, startInstance } from './instance-lifecycle.js';
import { MACHINE_TYPES } from './locations.js';
import { requireNetwork } from './networks.js';
import { templateInstance } from './instance-templates.js';

const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const METADATA_KEY = /^[a-zA-Z0-9_-]{1,128}$/;
const CUSTOM = /^(?:[a-z0-9]+-)?custom-\d+-\d+(?:-ext)?$/;

/** Fields the build reads; everything else the caller sent is kept and echoed (`extra`). */
const BUILT = new Set(['name', 'machineType', 'disks', 'networkInterfaces', 'metadata', 'labels', 'serviceAccounts', 'tags', 'status', 'id', 'kind', 'selfLink', 'zone', 'creationTimestamp', 'fingerprint', 'labelFingerprint', 'cpuPlatform', 'statusMessage', 'lastStartTimestamp', 'lastStopTimestamp']);

/** `e2-medium`, `zones/z/machineTypes/e2-medium` or a URL → the type's name, if the zone has it. */
export function machineTypeName(call: ComputeCall, zone: string, value: unknown, field = 'resource.machineType'): string {
  if (typeof value !== 'string' || value === '') throw required(field);
  const name = baseName(value);
  const z = /zones\/([^/]+)\/machineTypes\//.exec(value)?.[1];
  if ((z !== undefined && z !== zone) || (!MACHINE_TYPES[name] && !CUSTOM.test(name)))
    throw invalid(`Invalid value for field '${field}': '${value}'. Machine type with name '${name}' does not exist in zone '${zone}'.`);
  return name;
}

function metadataItems(body: Json, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  (((body['metadata'] as Json | undefined)?.['items'] as Json[] | undefined) ?? []).forEach((item, i) => {
    const key = String(item['key'] ?? '');
    if (!METADATA_KEY.test(key)) throw invalid(`Invalid value for field '${field}.items[${i}].key': '${key}'. Must be a match of regex '[a-zA-Z0-9-_]{1,128}'`);
    if (key in out) throw invalid(`Invalid value for field '${field}': ''. Duplicate keys are not allowed: '${key}'`);
    out[key] = String(item['value'] ?? '');
  });
  return out;
}

/** Metadata items → attributes, as setMetadata and insert read them. */
export const readMetadata = (body: Json, field = 'resource.metadata'): Record<string, string> => metadataItems(body, field);

interface DiskPlan {
  index: number;
  given: Json;
  existing?: ResourceRecord<Json>;
  create?: Json;
}

function planDisks(call: ComputeCall, zone: string, name: string, disks: Json[]): DiskPlan[] {
  if (disks.length === 0) throw invalid("Invalid value for field 'resource.disks': ''. Boot disk must be specified.");
  const boot = disks.findIndex((d) => d['boot'] === true);
  if (boot > 0) throw invalid(`Invalid value for field 'resource.disks[${boot}].boot': 'true'. Boot disk must be the first disk attached to the instance.`);
  const zoneLink = ref(call.project, `zones/${zone}`);
  const names = new Set<string>();
  return disks.map((given, index) => {
    const field = `resource.disks[${index}]`;
    if (given['type'] === 'SCRATCH') return { index, given };
    if (typeof given['source'] === 'string') {
      const existing = findDisk(call, given['source']);
      if (!existing) throw notFound(given['source'].replace(/^.*?(projects\/)/, '$1'));
      const zones = [existing.data['zone'], ...((existing.data['replicaZones'] as string[] | undefined) ?? [])];
      if (!zones.includes(zoneLink)) throw invalid(`Invalid value for field '${field}.source': '${given['source']}'. Disk must be in the same zone as the instance or be a regional disk replicated to it.`);
      const users = (existing.data['users'] as string[] | undefined) ?? [];
      if (users.length > 0 && given['mode'] !== 'READ_ONLY' && existing.data['multiWriter'] !== true)
        throw inUse(`projects/${call.project}/${existing.id}`, users[0]!.replace(/^compute:\/\//, ''));
      return { index, given, existing };
    }
    const init = given['initializeParams'] as Json | undefined;
    if (!init) throw required(`${field}.source`);
    if (index === 0 && init['sourceImage'] === undefined && init['sourceSnapshot'] === undefined)
      throw invalid(`Invalid value for field '${field}.initializeParams.sourceImage': ''. A boot disk needs a source image or snapshot.`);
    const diskName = String(init['diskName'] ?? (index === 0 ? name : `${name}-disk-${index}`));
    if (names.has(diskName) || call.tenant.collection(DISK).has(`zones/${zone}/disks/${diskName}`)) throw alreadyExists(`projects/${call.project}/zones/${zone}/disks/${diskName}`);
    names.add(diskName);
    const create: Json = { name: diskName };
    for (const [from, to] of [['diskSizeGb', 'sizeGb'], ['diskType', 'type'], ['sourceImage', 'sourceImage'], ['sourceSnapshot', 'sourceSnapshot'], ['labels', 'labels'], ['description', 'description'], ['provisionedIops', 'provisionedIops'], ['provisionedThroughput', 'provisionedThroughput'], ['resourcePolicies', 'resourcePolicies']] as const)
      if (init[from] !== undefined) create[to] = init[from];
    return { index, given, create };
  });
}

function attachedEntry(plan: DiskPlan, disk: ResourceRecord<Json> | undefined): Json {
  const g = plan.given;
  const scratch = g['type'] === 'SCRATCH';
  const entry: Json = {
    kind: 'compute#attachedDisk', type: scratch ? 'SCRATCH' : 'PERSISTENT', mode: g['mode'] ?? 'READ_WRITE',
    deviceName: g['deviceName'] ?? (scratch ? `local-ssd-${plan.index}` : `persistent-disk-${plan.index}`), index: plan.index,
    boot: g['boot'] ?? plan.index === 0, autoDelete: scratch ? true : (g['autoDelete'] ?? false), interface: g['interface'] ?? (scratch ? 'NVME' : 'SCSI'),
    diskSizeGb: scratch ? '375' : disk?.data['sizeGb'],
  };
  if (disk) entry['source'] = disk.data['selfLink'];
  if (disk?.data['architecture'] !== undefined) entry['architecture'] = disk.data['architecture'];
  return entry;
}

interface Allocation {
  key: string;
  ip: string;
}

function buildInterfaces(call: ComputeCall, zone: string, given: Json[], taken: Allocation[]): Json[] {
  const region = regionOf(zone);
  return (given.length > 0 ? given : [{}]).map((nic, i) => {
    const field = `resource.networkInterfaces[${i}]`;
    const res: Json = { network: nic['network'], subnetwork: nic['subnetwork'] };
    if (res['network'] !== undefined || res['subnetwork'] === undefined) requireNetwork(call, res);
    const sub = subnetworkFor(call, res, region);
    const wanted = typeof nic['networkIP'] === 'string' ? nic['networkIP'] : undefined;
    if (wanted !== undefined && !inCidr(wanted, sub.data.ipCidrRange))
      throw invalid(`Invalid value for field '${field}.networkIP': '${wanted}'. Requested internal IP is outside the subnetwork CIDR range ${sub.data.ipCidrRange}.`);
    const ip = allocateIp(call.tenant, sub.key, sub.data.ipCidrRange, wanted);
    if (ip === undefined) throw wanted !== undefined ? invalid(`Invalid value for field '${field}.networkIP': '${wanted}'. IP address '${wanted}' is already being used by another resource.`) : badRequest('ipExhausted', `IP space of '${sub.key}' is exhausted.`);
    taken.push({ key: sub.key, ip });
    const accessConfigs = ((nic['accessConfigs'] as Json[] | undefined) ?? []).map((ac, n) => {
      const natWanted = typeof ac['natIP'] === 'string' && ac['natIP'] !== '' ? ac['natIP'] : undefined;
      const nat = allocateIp(call.tenant, EXTERNAL_KEY, EXTERNAL_POOL, natWanted);
      if (nat === undefined) throw invalid(`Invalid value for field '${field}.accessConfigs[${n}].natIP': '${natWanted ?? ''}'. The IP address is already being used by another resource.`);
      taken.push({ key: EXTERNAL_KEY, ip: nat });
      return { kind: 'compute#accessConfig', type: ac['type'] ?? 'ONE_TO_ONE_NAT', name: ac['name'] ?? 'External NAT', natIP: nat, networkTier: ac['networkTier'] ?? 'PREMIUM' };
    });
    return {
      kind: 'compute#networkInterface', network: sub.data.network, subnetwork: ref(call.project, sub.key), networkIP: ip, name: `nic${i}`,
      fingerprint: fingerprint([ip, accessConfigs]), stackType: nic['stackType'] ?? 'IPV4_ONLY',
      ...(nic['nicType'] !== undefined ? { nicType: nic['nicType'] } : {}), ...(nic['aliasIpRanges'] !== undefined ? { aliasIpRanges: nic['aliasIpRanges'] } : {}),
      ...(accessConfigs.length > 0 ? { accessConfigs } : {}),
    };
  });
}

export interface BuildOptions {
  /** The managed group (store key) creating the instance. */
  createdBy?: string;
}

/** Check and make an instance (PROVISIONING next) and its disks; answers the record and the disks made. */
export function createInstance(call: ComputeCall, body: Json, opts: BuildOptions = {}): { rec: ResourceRecord<GceInstanceData>; createdDisks: string[] } {
  const zone = call.params['zone']!;
  const name = body['name'];
  if (typeof name !== 'string' || name === '') throw required('resource.name');
  if (!NAME.test(name)) throw invalid(`Invalid value for field 'resource.name': '${name}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`);
  const key = instanceKey(zone, name);
  const coll = call.tenant.collection<GceInstanceData>(G.instance);
  if (coll.has(key)) throw alreadyExists(`projects/${call.project}/${key}`);
  const machineType = machineTypeName(call, zone, body['machineType']);
  const attributes = metadataItems(body, 'resource.metadata');
  const tags = ((body['tags'] as Json | undefined)?.['items'] as string[] | undefined) ?? [];
  tags.forEach((t, i) => {
    if (!NAME.test(String(t))) throw invalid(`Invalid value for field 'resource.tags.items[${i}]': '${String(t)}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`);
  });
  const accounts = (body['serviceAccounts'] as Json[] | undefined) ?? [];
  if (accounts.length > 1) throw invalid("Invalid value for field 'resource.serviceAccounts': ''. At most one service account may be specified.");
  const number = call.tenant.collection<ProjectData>(G.project).peek(call.project)?.data.number ?? '0';
  const email = accounts[0] === undefined || accounts[0]['email'] === undefined || accounts[0]['email'] === 'default' ? `${number}-compute@developer.gserviceaccount.com` : String(accounts[0]['email']);
  const plans = planDisks(call, zone, name, (body['disks'] as Json[] | undefined) ?? []);

  const madeDisks: string[] = [];
  const taken: Allocation[] = [];
  try {
    const nics = buildInterfaces(call, zone, (body['networkInterfaces'] as Json[] | undefined) ?? [], taken);
    const attached = plans.map((plan) => {
      let disk = plan.existing;
      if (plan.create) {
        disk = createResource(call, DISKS, plan.create).rec;
        madeDisks.push(disk.id);
      }
      return attachedEntry(plan, disk);
    });
    const link = ref(call.project, key);
    const now = call.engine.clock.now();
    for (const a of attached) {
      const disk = a['source'] ? findDisk(call, String(a['source'])) : undefined;
      if (!disk) continue;
      disk.data['users'] = [...((disk.data['users'] as string[] | undefined) ?? []), link];
      disk.data['lastAttachTimestamp'] = timestamp(now);
    }
    const nic0 = nics[0]!;
    const extra = Object.fromEntries(Object.entries(body).filter(([k]) => !BUILT.has(k)));
    const labels = (body['labels'] as Record<string, string> | undefined) ?? {};
    const rec = coll.insert({
      id: key, region: regionOf(zone), tags: labels,
      data: {
        name, numericId: call.engine.ids.digits('gcp:id', 19).replace(/^0/, '1'), zone, machineType,
        network: baseName(String(nic0['network'])), subnetwork: baseName(String(nic0['subnetwork'])), networkIp: String(nic0['networkIP']),
        externalIp: ((nic0['accessConfigs'] as Json[] | undefined)?.[0]?.['natIP'] as string | undefined),
        serviceAccount: email, scopes: (accounts[0]?.['scopes'] as string[] | undefined) ?? [], noServiceAccount: accounts.length === 0,
        labels, attributes, creationTimestamp: timestamp(now), disks: attached, tags, tagsFingerprint: fingerprint(tags), status: 'PROVISIONING',
        networkInterfaces: nics, extra, ...(opts.createdBy ? { createdBy: opts.createdBy } : {}),
      },
    });
    call.ctx.touch(key);
    return { rec, createdDisks: madeDisks };
  } catch (err) {
    for (const a of taken) releaseIp(call.tenant, a.key, a.ip);
    for (const d of madeDisks) call.tenant.collection(DISK).delete(d);
    throw err;
  }
}

// A failed insert leaves nothing behind: the instance and the disks it made go.
defineEffect('instanceCreated', {
  apply: () => undefined,
  abandon: ({ tenant }, args) => {
    const inst = tenant.collection<GceInstanceData>(G.instance).peek(String(args['instance']));
    if (inst) removeInstance(tenant, inst);
    for (const d of (args['disks'] as string[] | undefined) ?? []) tenant.collection(DISK).delete(d);
  },
});

/** Make an instance and start it; the answer is the insert operation. */
export function insertInstance(call: ComputeCall, body: Json, opts: BuildOptions = {}): Json {
  const { rec, createdDisks } = createInstance(call, body, opts);
  return startInstance(call, rec, 'insert', { kind: 'instanceCreated', args: { instance: rec.id, disks: createdDisks } });
}

defineHandlers({
  'instances.insert': (call) => {
    const source = call.query['sourceInstanceTemplate'];
    const body = typeof source === 'string' ? templateInstance(call, source, call.body) : call.body;
    return insertInstance(call, body);
  },
});
