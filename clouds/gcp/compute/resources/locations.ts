/**
 * Where things are: zones and regions (from the project's seeded zones), projects.get, and the
 * catalogues callers read sizes and types from (diskTypes, machineTypes).
 */
import { defineHandlers, type ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { aggregatedAnswer, listAnswer } from '../lists.js';
import { notFound } from '../problems.js';
import { ref } from '../urls.js';
import { G, regionOf, type ProjectData } from '../../records.js';

const EPOCH = '2015-01-01T00:00:00.000+00:00';

function zones(call: ComputeCall): string[] {
  return call.tenant.collection(G.zone).list().map((z) => z.id);
}
const regions = (call: ComputeCall): string[] => [...new Set(zones(call).map(regionOf))];

/** A stable numeric id for a catalogue entry (same name, same id across runs). */
const stableId = (name: string): string => String(1000 + [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 8_999_999_999, 7));

function zone(call: ComputeCall, name: string): Json {
  if (!zones(call).includes(name)) throw notFound(`projects/${call.project}/zones/${name}`);
  return {
    kind: 'compute#zone', id: stableId(name), creationTimestamp: EPOCH, name, description: name, status: 'UP',
    region: ref(call.project, `regions/${regionOf(name)}`), selfLink: ref(call.project, `zones/${name}`),
    availableCpuPlatforms: ['Intel Cascade Lake', 'AMD Milan'], supportsPzs: false,
  };
}

function region(call: ComputeCall, name: string): Json {
  const inRegion = zones(call).filter((z) => regionOf(z) === name);
  if (inRegion.length === 0) throw notFound(`projects/${call.project}/regions/${name}`);
  return {
    kind: 'compute#region', id: stableId(name), creationTimestamp: EPOCH, name, description: name, status: 'UP',
    zones: inRegion.map((z) => ref(call.project, `zones/${z}`)), selfLink: ref(call.project, `regions/${name}`),
    quotas: [{ metric: 'CPUS', limit: 2400, usage: 0 }, { metric: 'DISKS_TOTAL_GB', limit: 102400, usage: 0 }, { metric: 'IN_USE_ADDRESSES', limit: 200, usage: 0 }],
    supportsPzs: false,
  };
}

export const DISK_TYPES: Readonly<Record<string, { description: string; validDiskSize: string; defaultDiskSizeGb: string }>> = {
  'pd-standard': { description: 'Standard Persistent Disk', validDiskSize: '10GB-65536GB', defaultDiskSizeGb: '500' },
  'pd-balanced': { description: 'Balanced Persistent Disk', validDiskSize: '10GB-65536GB', defaultDiskSizeGb: '100' },
  'pd-ssd': { description: 'SSD Persistent Disk', validDiskSize: '10GB-65536GB', defaultDiskSizeGb: '100' },
  'pd-extreme': { description: 'Extreme Persistent Disk', validDiskSize: '500GB-65536GB', defaultDiskSizeGb: '1000' },
  'hyperdisk-balanced': { description: 'Hyperdisk Balanced Persistent Disk', validDiskSize: '4GB-65536GB', defaultDiskSizeGb: '100' },
  'hyperdisk-throughput': { description: 'Hyperdisk Throughput Persistent Disk', validDiskSize: '2048GB-32768GB', defaultDiskSizeGb: '2048' },
  'hyperdisk-extreme': { description: 'Hyperdisk Extreme Persistent Disk', validDiskSize: '64GB-65536GB', defaultDiskSizeGb: '1000' },
};

export const MACHINE_TYPES: Readonly<Record<string, [cpus: number, memoryMb: number]>> = {
  'e2-standard-2': [2, 8192], 'e2-standard-4': [4, 16384], 'e2-standard-8': [8, 32768], 'e2-medium': [2, 4096],
  'n1-standard-1': [1, 3840], 'n1-standard-2': [2, 7680], 'n1-standard-4': [4, 15360],
  'n2-standard-2': [2, 8192], 'n2-standard-4': [4, 16384], 'n2-standard-8': [8, 32768],
};

function diskType(call: ComputeCall, scope: string, name: string): Json {
  const t = DISK_TYPES[name];
  if (!t) throw notFound(`projects/${call.project}/${scope}/diskTypes/${name}`);
  const where = scope.startsWith('zones/') ? { zone: ref(call.project, scope) } : { region: ref(call.project, scope) };
  return { kind: 'compute#diskType', id: stableId(name), creationTimestamp: EPOCH, name, ...t, ...where, selfLink: ref(call.project, `${scope}/diskTypes/${name}`) };
}

function machineType(call: ComputeCall, z: string, name: string): Json {
  const m = MACHINE_TYPES[name];
  if (!m) throw notFound(`projects/${call.project}/zones/${z}/machineTypes/${name}`);
  return {
    kind: 'compute#machineType', id: stableId(name), creationTimestamp: EPOCH, name, description: `${m[0]} vCPUs, ${m[1] / 1024} GB RAM`,
    guestCpus: m[0], memoryMb: m[1], maximumPersistentDisks: 128, maximumPersistentDisksSizeGb: '263168', zone: z,
    selfLink: ref(call.project, `zones/${z}/machineTypes/${name}`), isSharedCpu: false,
  };
}

const rows = (items: Json[]) => items.map((item, seq) => ({ seq: seq + 1, item }));
const list = (call: ComputeCall, kind: string, items: Json[], path: string) => listAnswer(call, kind, rows(items), (r) => r.item, path);
const aggregated = (call: ComputeCall, kind: string, plural: string, items: Json[]) => aggregatedAnswer(call, kind, plural, rows(items), (r) => r.item);

defineHandlers({
  'zones.get': (call) => zone(call, call.params['zone']!),
  'zones.list': (call) => list(call, 'compute#zone', zones(call).map((z) => zone(call, z)), 'zones'),
  'regions.get': (call) => region(call, call.params['region']!),
  'regions.list': (call) => list(call, 'compute#region', regions(call).map((r) => region(call, r)), 'regions'),
  'projects.get': (call) => {
    const number = call.tenant.collection<ProjectData>(G.project).peek(call.project)?.data.number ?? '0';
    return {
      kind: 'compute#project', id: number, name: call.project, creationTimestamp: EPOCH,
      commonInstanceMetadata: { kind: 'compute#metadata', fingerprint: 'fauxcloud00=', items: [] },
      quotas: [{ metric: 'NETWORKS', limit: 15, usage: 1 }, { metric: 'FIREWALLS', limit: 200, usage: 0 }, { metric: 'ROUTES', limit: 250, usage: 0 }],
      selfLink: ref(call.project, '').replace(/\/$/, ''), defaultServiceAccount: `${number}-compute@developer.gserviceaccount.com`,
      xpnProjectStatus: 'UNSPECIFIED_XPN_PROJECT_STATUS', defaultNetworkTier: 'PREMIUM',
    };
  },
  'diskTypes.get': (call) => diskType(call, `zones/${call.params['zone']}`, call.params['diskType']!),
  'diskTypes.list': (call) => (zone(call, call.params['zone']!), list(call, 'compute#diskType', Object.keys(DISK_TYPES).map((t) => diskType(call, `zones/${call.params['zone']}`, t)), `zones/${call.params['zone']}/diskTypes`)),
  'diskTypes.aggregatedList': (call) => aggregated(call, 'compute#diskType', 'diskTypes', zones(call).flatMap((z) => Object.keys(DISK_TYPES).map((t) => diskType(call, `zones/${z}`, t)))),
  'regionDiskTypes.get': (call) => diskType(call, `regions/${call.params['region']}`, call.params['diskType']!),
  'regionDiskTypes.list': (call) => list(call, 'compute#diskType', Object.keys(DISK_TYPES).map((t) => diskType(call, `regions/${call.params['region']}`, t)), `regions/${call.params['region']}/diskTypes`),
  'machineTypes.get': (call) => machineType(call, call.params['zone']!, call.params['machineType']!),
  'machineTypes.list': (call) => list(call, 'compute#machineType', Object.keys(MACHINE_TYPES).map((m) => machineType(call, call.params['zone']!, m)), `zones/${call.params['zone']}/machineTypes`),
});
