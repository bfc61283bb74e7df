/**
 * VM instances (seeded or inserted; the records also feed the metadata server) rendered as
 * Compute JSON; get / list / aggregatedList, setTags, and attachDisk / detachDisk keeping
 * `instance.disks[]` and `disk.users[]` in step when the operation completes. Insert is in
 * instance-create.ts, status changes in instance-lifecycle.ts, the set* calls in instance-settings.ts.
 */
import type { ResourceRecord, TenantStore } from '../../../../core/store.js';
import { defineHandlers, operation, type ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { fingerprint } from '../collections.js';
import { aggregatedAnswer, listAnswer } from '../lists.js';
import { defineEffect, timestamp } from '../operations.js';
import { badRequest, fingerprintMismatch, invalid, notFound, opFailure } from '../problems.js';
import { parseRef, ref, REF } from '../urls.js';
import { G, instanceKey, regionOf, subnetworkKey, type GceInstanceData } from '../../records.js';
import { DISK, findDisk, REGION_DISK } from './disks.js';
import { getInstance } from './instance-lifecycle.js';

export function renderInstance(tenant: TenantStore, rec: ResourceRecord<GceInstanceData>): Json {
  const d = rec.data;
  const p = tenant.id;
  return {
    kind: 'compute#instance',
    id: d.numericId,
    creationTimestamp: d.creationTimestamp,
    name: d.name,
    canIpForward: false,
    scheduling: { onHostMaintenance: 'MIGRATE', automaticRestart: true, preemptible: false, provisioningModel: 'STANDARD' },
    deletionProtection: false,
    // What the caller sent and fauxcloud keeps as given (description, scheduling, shielded VM config, …).
    ...d.extra,
    tags: { items: d.tags, fingerprint: d.tagsFingerprint },
    machineType: ref(p, `zones/${d.zone}/machineTypes/${d.machineType}`),
    status: d.status,
    zone: ref(p, `zones/${d.zone}`),
    networkInterfaces: d.networkInterfaces ?? [
      {
        kind: 'compute#networkInterface',
        network: ref(p, `global/networks/${d.network}`),
        subnetwork: ref(p, subnetworkKey(regionOf(d.zone), d.subnetwork)),
        networkIP: d.networkIp,
        name: 'nic0',
        fingerprint: fingerprint([d.networkIp, d.externalIp]),
        stackType: 'IPV4_ONLY',
        ...(d.externalIp ? { accessConfigs: [{ kind: 'compute#accessConfig', type: 'ONE_TO_ONE_NAT', name: 'External NAT', natIP: d.externalIp, networkTier: 'PREMIUM' }] } : {}),
      },
    ],
    disks: d.disks,
    metadata: { kind: 'compute#metadata', fingerprint: fingerprint(d.attributes), items: Object.entries(d.attributes).map(([key, value]) => ({ key, value })) },
    serviceAccounts: d.noServiceAccount ? [] : [{ email: d.serviceAccount, scopes: d.scopes }],
    selfLink: ref(p, instanceKey(d.zone, d.name)),
    cpuPlatform: d.status === 'RUNNING' || d.status === 'STOPPING' ? 'Intel Cascade Lake' : 'Unknown CPU Platform',
    labels: d.labels,
    labelFingerprint: fingerprint(d.labels),
    startRestricted: false,
    fingerprint: fingerprint([d.name, d.status, d.machineType]),
    lastStartTimestamp: d.lastStartTimestamp ?? d.creationTimestamp,
    ...(d.lastStopTimestamp ? { lastStopTimestamp: d.lastStopTimestamp } : {}),
  };
}

function instances(tenant: TenantStore) {
  return tenant.collection<GceInstanceData>(G.instance);
}

const diskRecord = (tenant: TenantStore, source: string): ResourceRecord<Json> | undefined => {
  const p = parseRef(source, tenant.id);
  return p && tenant.collection<Json>(p.scope.startsWith('regions/') ? REGION_DISK : DISK).peek(p.key);
};

defineEffect('diskAttached', {
  apply: ({ tenant, at }, args) => {
    const inst = instances(tenant).peek(String(args['instance']));
    const disk = diskRecord(tenant, String(args['source']));
    if (!inst) return opFailure('RESOURCE_NOT_FOUND', `The resource 'projects/${tenant.id}/${String(args['instance'])}' was not found`);
    if (!disk) return opFailure('RESOURCE_NOT_FOUND', `The resource '${String(args['source']).replace(REF, '')}' was not found`);
    const instLink = ref(tenant.id, inst.id);
    const users = (disk.data['users'] as string[]) ?? [];
    const attached = args['attached'] as Json;
    const readOnly = attached['mode'] === 'READ_ONLY';
    const sharable = readOnly || disk.data['multiWriter'] === true || String(disk.data['accessMode'] ?? '').endsWith('MANY');
    if (users.includes(instLink) || (users.length > 0 && !sharable))
      return opFailure('RESOURCE_IN_USE_BY_ANOTHER_RESOURCE', `The disk resource '${disk.data['selfLink']!.toString().replace(REF, '')}' is already being used by '${users[0]!.replace(REF, '')}'`);
    if (inst.data.disks.some((d) => d['deviceName'] === attached['deviceName']))
      return opFailure('INVALID_USAGE', `Invalid value for field 'resource.deviceName': '${String(attached['deviceName'])}'. Device name is already in use.`);
    inst.data.disks.push({ ...attached, index: Math.max(-1, ...inst.data.disks.map((d) => Number(d['index']))) + 1, diskSizeGb: disk.data['sizeGb'] });
    disk.data['users'] = [...users, instLink];
    disk.data['lastAttachTimestamp'] = timestamp(at);
  },
});

defineEffect('diskDetached', {
  apply: ({ tenant, at }, args) => {
    const inst = instances(tenant).peek(String(args['instance']));
    if (!inst) return opFailure('RESOURCE_NOT_FOUND', `The resource 'projects/${tenant.id}/${String(args['instance'])}' was not found`);
    const entry = inst.data.disks.find((d) => d['deviceName'] === args['deviceName']);
    if (!entry) return opFailure('INVALID_USAGE', `No attached disk found with device name '${String(args['deviceName'])}'`);
    inst.data.disks = inst.data.disks.filter((d) => d !== entry);
    const disk = diskRecord(tenant, String(entry['source']));
    if (disk) {
      const link = ref(tenant.id, inst.id);
      disk.data['users'] = ((disk.data['users'] as string[]) ?? []).filter((u) => u !== link);
      disk.data['lastDetachTimestamp'] = timestamp(at);
    }
  },
});

defineEffect('instanceTags', {
  apply: ({ tenant }, args) => {
    const inst = instances(tenant).peek(String(args['instance']));
    if (!inst) return;
    inst.data.tags = args['items'] as string[];
    inst.data.tagsFingerprint = fingerprint(inst.data.tags);
  },
});

const target = (rec: ResourceRecord<GceInstanceData>) => ({ scope: `zones/${rec.data.zone}`, target: rec.id, targetId: rec.data.numericId });

defineHandlers({
  'instances.get': (call) => renderInstance(call.tenant, getInstance(call)),
  'instances.list': (call) => {
    const zone = call.params['zone']!;
    if (!call.tenant.collection(G.zone).peek(zone)) throw notFound(`projects/${call.project}/zones/${zone}`);
    const rows = instances(call.tenant).list({ region: regionOf(zone) }).filter((r) => r.data.zone === zone);
    return listAnswer(call, 'compute#instance', rows, (r) => renderInstance(call.tenant, r), `zones/${zone}/instances`);
  },
  'instances.aggregatedList': (call) =>
    aggregatedAnswer(call, 'compute#instance', 'instances', instances(call.tenant).list(), (r) => renderInstance(call.tenant, r)),
  'instances.attachDisk': (call) => {
    const rec = getInstance(call);
    const body = call.body;
    if (typeof body['source'] !== 'string') throw badRequest('required', "Required field 'source' not specified");
    const disk = findDisk(call, body['source']);
    const p = parseRef(body['source'], call.project);
    if (!disk || !p) throw notFound(p ? `projects/${p.project}/${p.key}` : String(body['source']));
    const zoneLink = ref(call.project, `zones/${rec.data.zone}`);
    const inZone = disk.data['zone'] === zoneLink || ((disk.data['replicaZones'] as string[] | undefined) ?? []).includes(zoneLink);
    if (!inZone) throw invalid(`Invalid value for field 'resource.source': '${body['source']}'. Disk must be in the same zone as the instance or be a regional disk replicated to it.`);
    call.ctx.touch(disk.id);
    const attached: Json = {
      kind: 'compute#attachedDisk',
      type: body['type'] ?? 'PERSISTENT',
      mode: body['mode'] ?? 'READ_WRITE',
      source: disk.data['selfLink'],
      deviceName: body['deviceName'] ?? `persistent-disk-${Math.max(-1, ...rec.data.disks.map((d) => Number(d['index']))) + 1}`,
      boot: body['boot'] ?? false,
      autoDelete: body['autoDelete'] ?? false,
      interface: body['interface'] ?? 'SCSI',
    };
    return operation(call, { ...target(rec), operationType: 'attachDisk', effect: { kind: 'diskAttached', args: { instance: rec.id, source: String(disk.data['selfLink']), attached } } });
  },
  'instances.detachDisk': (call) => {
    const rec = getInstance(call);
    const deviceName = call.query['deviceName'];
    if (typeof deviceName !== 'string') throw badRequest('required', "Required field 'deviceName' not specified");
    if (!rec.data.disks.some((d) => d['deviceName'] === deviceName)) throw invalid(`Invalid value for field 'deviceName': '${deviceName}'. No attached disk found with device name '${deviceName}'`);
    return operation(call, { ...target(rec), operationType: 'detachDisk', effect: { kind: 'diskDetached', args: { instance: rec.id, deviceName } } });
  },
  'instances.setTags': (call) => {
    const rec = getInstance(call);
    if (call.body['fingerprint'] !== rec.data.tagsFingerprint) throw fingerprintMismatch('tags.fingerprint');
    return operation(call, { ...target(rec), operationType: 'setTags', effect: { kind: 'instanceTags', args: { instance: rec.id, items: (call.body['items'] as string[] | undefined) ?? [] } } });
  },
});
