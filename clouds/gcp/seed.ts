/**
 * The `seed.gcp` section of a scenario: projects → zones, networks with subnetworks, instances.
 * Numeric ids (project numbers, instance ids) come from the seeded generator unless given.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { SeedProblem } from '../../core/cloud-api.js';
import type { Engine } from '../../core/engine.js';
import type { TenantStore } from '../../core/store.js';
import { ref } from './compute/urls.js';
import { allocateIp, intToIp, ipToInt } from './ips.js';
import { G, instanceKey, networkKey, regionOf, subnetworkKey, type GceInstanceData, type ProjectData, type SubnetworkData } from './records.js';

const Labels = Type.Record(Type.String(), Type.String());
const Instance = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$' }),
    zone: Type.String(),
    machineType: Type.Optional(Type.String()),
    network: Type.Optional(Type.String()),
    subnetwork: Type.Optional(Type.String()),
    externalIp: Type.Optional(Type.String()),
    serviceAccount: Type.Optional(Type.String()),
    labels: Type.Optional(Labels),
    attributes: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'instance metadata attributes' })),
    tags: Type.Optional(Type.Array(Type.String(), { description: 'network tags (firewall targets)' })),
  },
  { additionalProperties: false },
);
const Project = Type.Object(
  {
    number: Type.Optional(Type.String({ pattern: '^\\d{6,19}$' })),
    zones: Type.Optional(Type.Array(Type.String())),
    networks: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String(),
            subnetworks: Type.Optional(Type.Array(Type.Object({ name: Type.String(), region: Type.String(), cidr: Type.String({ pattern: '^((25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1?\\d?\\d)/([8-9]|[12]\\d|30)$' }) }, { additionalProperties: false }))),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    instances: Type.Optional(Type.Array(Instance)),
  },
  { additionalProperties: false },
);
export const GcpSeedSchema = Type.Object({ projects: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][-a-z0-9]{4,28}[a-z0-9]$' }), Project, { additionalProperties: false })) }, { additionalProperties: false });
type GcpSeed = Static<typeof GcpSeedSchema>;

export const DEFAULT_ZONES = ['us-central1-a', 'us-central1-b', 'us-central1-c'];

export function validateGcpSeed(section: unknown): SeedProblem[] {
  if (!Value.Check(GcpSeedSchema, section))
    return [...Value.Errors(GcpSeedSchema, section)].map((e) => ({ path: e.path.split('/').filter(Boolean).join('.'), message: e.message }));
  const problems: SeedProblem[] = [];
  for (const [id, p] of Object.entries((section as GcpSeed).projects ?? {})) {
    const zones = p.zones ?? DEFAULT_ZONES;
    (p.instances ?? []).forEach((inst, i) => {
      if (!zones.includes(inst.zone)) problems.push({ path: `projects.${id}.instances.${i}.zone`, message: `zone ${inst.zone} is not one of the project's zones (${zones.join(', ')})` });
      const subnet = (p.networks ?? []).flatMap((n) => n.subnetworks ?? []).find((s) => (inst.subnetwork ? s.name === inst.subnetwork : s.region === regionOf(inst.zone)));
      if (!subnet) problems.push({ path: `projects.${id}.instances.${i}`, message: `no subnetwork in region ${regionOf(inst.zone)} to place the instance in` });
    });
  }
  return problems;
}

export function applyGcpSeed(section: unknown, engine: Engine, onlyTenant?: string): void {
  const seed = section as GcpSeed;
  for (const [projectId, p] of Object.entries(seed.projects ?? {})) {
    if (onlyTenant !== undefined && onlyTenant !== projectId) continue;
    const tenant = engine.store.tenant('gcp', projectId);
    tenant.collection<ProjectData>(G.project).insert({ id: projectId, data: { number: p.number ?? `${1 + (Number(engine.ids.digits('gcp:project', 11)) % 9)}${engine.ids.digits('gcp:project', 11)}` } });
    for (const zone of p.zones ?? DEFAULT_ZONES) tenant.collection(G.zone).insert({ id: zone, region: regionOf(zone), data: { name: zone } });
    const created = new Date(engine.clock.now()).toISOString().replace('Z', '+00:00');
    const link = (key: string) => ref(projectId, key);
    const id = () => engine.ids.digits('gcp:id', 19).replace(/^0/, '1');
    for (const n of p.networks ?? []) {
      const subnets = n.subnetworks ?? [];
      tenant.collection(G.network).insert({
        id: networkKey(n.name),
        data: {
          kind: 'compute#network', id: id(), creationTimestamp: created, name: n.name, selfLink: link(networkKey(n.name)),
          autoCreateSubnetworks: false, mtu: 1460, routingConfig: { routingMode: 'REGIONAL' }, networkFirewallPolicyEnforcementOrder: 'AFTER_CLASSIC_FIREWALL',
          subnetworks: subnets.map((s) => link(subnetworkKey(s.region, s.name))),
        },
      });
      for (const s of subnets) {
        const key = subnetworkKey(s.region, s.name);
        const [base, bits] = s.cidr.split('/');
        const size = 2 ** (32 - Number(bits));
        const start = ipToInt(base!) - (ipToInt(base!) % size);
        tenant.collection<SubnetworkData>(G.subnetwork).insert({
          id: key,
          region: s.region,
          parent: networkKey(n.name),
          data: {
            kind: 'compute#subnetwork', id: id(), creationTimestamp: created, name: s.name, network: link(networkKey(n.name)),
            ipCidrRange: `${intToIp(start)}/${bits}`, gatewayAddress: intToIp(start + 1), region: link(`regions/${s.region}`), selfLink: link(key),
            fingerprint: 'fauxcloud00=', privateIpGoogleAccess: true, stackType: 'IPV4_ONLY', purpose: 'PRIVATE',
          },
        });
      }
    }
    const subnets = tenant.collection<SubnetworkData>(G.subnetwork);
    for (const inst of p.instances ?? []) {
      const subnet = [...subnets.all()].find((s) => (inst.subnetwork ? s.data.name === inst.subnetwork : s.region === regionOf(inst.zone)))!;
      tenant.collection<GceInstanceData>(G.instance).insert({
        id: instanceKey(inst.zone, inst.name),
        region: regionOf(inst.zone),
        tags: inst.labels ?? {},
        data: {
          name: inst.name,
          numericId: id(),
          zone: inst.zone,
          machineType: inst.machineType ?? 'e2-standard-4',
          network: subnet.data.network.slice(subnet.data.network.lastIndexOf('/') + 1),
          subnetwork: subnet.data.name,
          networkIp: allocateIp(tenant, subnet.id, subnet.data.ipCidrRange)!,
          externalIp: inst.externalIp,
          serviceAccount: inst.serviceAccount ?? `${tenant.collection<ProjectData>(G.project).peek(projectId)!.data.number}-compute@developer.gserviceaccount.com`,
          scopes: ['https://www.googleapis.com/auth/cloud-platform'],
          labels: inst.labels ?? {},
          attributes: inst.attributes ?? {},
          disks: [],
          tags: inst.tags ?? [],
          tagsFingerprint: 'fauxcloud00=',
          status: 'RUNNING',
          creationTimestamp: new Date(engine.clock.now()).toISOString(),
        },
      });
    }
    // Every seeded instance boots from its own disk, as on GCE (ids drawn after the instances', so theirs stay as they were).
    for (const inst of tenant.collection<GceInstanceData>(G.instance).all()) seedBootDisk(tenant, inst.data, created, id());
  }
}

/** The image the seeded instances boot from (the metadata server's `instance/image` names its family). */
const SEED_IMAGE = 'projects/cos-cloud/global/images/cos-stable-117-18613-75-37';
const EMPTY_LABELS_FINGERPRINT = '42WmSpB8rSM=';

/** A READY pd-balanced boot disk named like the instance, in `disks[]` and with the instance in `users[]`. */
function seedBootDisk(tenant: TenantStore, inst: GceInstanceData, created: string, diskId: string): void {
  const key = `zones/${inst.zone}/disks/${inst.name}`;
  const disks = tenant.collection('gcp.compute.disk');
  if (disks.has(key)) return;
  const selfLink = ref(tenant.id, key);
  disks.insert({
    id: key,
    region: regionOf(inst.zone),
    data: {
      kind: 'compute#disk', id: diskId, creationTimestamp: created, name: inst.name, sizeGb: '100', zone: ref(tenant.id, `zones/${inst.zone}`),
      status: 'READY', selfLink, sourceImage: `compute://${SEED_IMAGE}`, type: ref(tenant.id, `zones/${inst.zone}/diskTypes/pd-balanced`),
      users: [ref(tenant.id, instanceKey(inst.zone, inst.name))], lastAttachTimestamp: created, labelFingerprint: EMPTY_LABELS_FINGERPRINT,
      physicalBlockSizeBytes: '4096', architecture: 'X86_64', satisfiesPzi: true,
    },
  });
  inst.disks = [
    { kind: 'compute#attachedDisk', type: 'PERSISTENT', mode: 'READ_WRITE', source: selfLink, deviceName: 'persistent-disk-0', index: 0, boot: true, autoDelete: true, interface: 'SCSI', diskSizeGb: '100', architecture: 'X86_64' },
    ...inst.disks,
  ];
}
