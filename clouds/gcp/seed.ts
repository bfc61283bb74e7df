/**
 * The `seed.gcp` section of a scenario: projects → zones, networks with subnetworks, instances.
 * Numeric ids (project numbers, instance ids) come from the seeded generator unless given.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { SeedProblem } from '../../core/cloud-api.js';
import type { Engine } from '../../core/engine.js';
import { G, regionOf, type GceInstanceData, type NetworkData, type ProjectData, type SubnetworkData } from './records.js';

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
            subnetworks: Type.Optional(Type.Array(Type.Object({ name: Type.String(), region: Type.String(), cidr: Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$' }) }, { additionalProperties: false }))),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    instances: Type.Optional(Type.Array(Instance)),
  },
  { additionalProperties: false },
);
export const GcpSeedSchema = Type.Object({ projects: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][-a-z0-9]{4,28}[a-z0-9]$' }), Project)) }, { additionalProperties: false });
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

function nextIp(s: SubnetworkData): string {
  const [base, bits] = s.ipCidrRange.split('/');
  const n = base!.split('.').reduce((acc, o) => acc * 256 + Number(o), 0) + s.nextHost++;
  if (s.nextHost >= 2 ** (32 - Number(bits)) - 2) throw new Error(`subnetwork ${s.name} is full`);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function applyGcpSeed(section: unknown, engine: Engine, onlyTenant?: string): void {
  const seed = section as GcpSeed;
  for (const [projectId, p] of Object.entries(seed.projects ?? {})) {
    if (onlyTenant !== undefined && onlyTenant !== projectId) continue;
    const tenant = engine.store.tenant('gcp', projectId);
    tenant.collection<ProjectData>(G.project).insert({ id: projectId, data: { number: p.number ?? `${1 + (Number(engine.ids.digits('gcp:project', 11)) % 9)}${engine.ids.digits('gcp:project', 11)}` } });
    for (const zone of p.zones ?? DEFAULT_ZONES) tenant.collection(G.zone).insert({ id: zone, region: regionOf(zone), data: { name: zone } });
    for (const n of p.networks ?? []) {
      tenant.collection<NetworkData>(G.network).insert({ id: n.name, data: { name: n.name, numericId: engine.ids.digits('gcp:id', 19) } });
      for (const s of n.subnetworks ?? [])
        tenant.collection<SubnetworkData>(G.subnetwork).insert({ id: `${s.region}/${s.name}`, region: s.region, parent: n.name, data: { name: s.name, network: n.name, region: s.region, ipCidrRange: s.cidr, nextHost: 2 } });
    }
    const subnets = tenant.collection<SubnetworkData>(G.subnetwork);
    for (const inst of p.instances ?? []) {
      const subnet = [...subnets.all()].find((s) => (inst.subnetwork ? s.data.name === inst.subnetwork : s.data.region === regionOf(inst.zone)))!;
      tenant.collection<GceInstanceData>(G.instance).insert({
        id: `${inst.zone}/${inst.name}`,
        region: regionOf(inst.zone),
        tags: inst.labels ?? {},
        data: {
          name: inst.name,
          numericId: engine.ids.digits('gcp:id', 19).replace(/^0/, '1'),
          zone: inst.zone,
          machineType: inst.machineType ?? 'e2-standard-4',
          network: subnet.data.network,
          subnetwork: subnet.data.name,
          networkIp: nextIp(subnet.data),
          externalIp: inst.externalIp,
          serviceAccount: inst.serviceAccount ?? `${tenant.collection<ProjectData>(G.project).peek(projectId)!.data.number}-compute@developer.gserviceaccount.com`,
          scopes: ['https://www.googleapis.com/auth/cloud-platform'],
          labels: inst.labels ?? {},
          attributes: inst.attributes ?? {},
          creationTimestamp: new Date(engine.clock.now()).toISOString(),
        },
      });
    }
  }
}
