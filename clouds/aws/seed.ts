/**
 * The `seed.aws` section of a scenario: accounts → regions → zones, VPCs with subnets, instances.
 * Ids come from the seeded generator unless the file gives them, so a seed is reproducible.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { SeedProblem } from '../../core/cloud-api.js';
import type { Engine } from '../../core/engine.js';
import { systemContext } from './shared/context.js';
import { launchInstance } from './ec2/instances.js';
import { createSubnet, createVpc } from './ec2/network.js';
import { attachInternetGateway } from './ec2/route-tables.js';
import { createGroup, securityGroups } from './ec2/security-groups.js';
import { T, type ZoneData } from './ec2/records.js';
import { zoneIdPrefix } from './ec2/region-data.js';
import type { AccountResolver } from './shared/request.js';

const Tags = Type.Record(Type.String(), Type.String());
const Cidr = Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,3}){3}/([0-9]|[12][0-9]|3[0-2])$' });
const Zone = Type.Union([Type.String(), Type.Object({ name: Type.String(), id: Type.Optional(Type.String()) }, { additionalProperties: false })]);
const Subnet = Type.Object({ zone: Type.String(), cidr: Cidr, tags: Type.Optional(Tags) }, { additionalProperties: false });
const Vpc = Type.Object(
  {
    cidr: Cidr,
    tags: Type.Optional(Tags),
    subnets: Type.Optional(Type.Array(Subnet)),
    internetGateway: Type.Optional(Type.Boolean({ description: 'attach an internet gateway and route 0.0.0.0/0 to it from the main route table' })),
    securityGroups: Type.Optional(
      Type.Array(Type.Object({ name: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()), tags: Type.Optional(Tags) }, { additionalProperties: false })),
    ),
  },
  { additionalProperties: false },
);
const Instance = Type.Object(
  {
    zone: Type.String(),
    type: Type.Optional(Type.String()),
    image: Type.Optional(Type.String()),
    name: Type.Optional(Type.String({ description: 'the Name tag' })),
    tags: Type.Optional(Tags),
    state: Type.Optional(Type.Union([Type.Literal('running'), Type.Literal('stopped')])),
    securityGroups: Type.Optional(Type.Array(Type.String(), { description: "names of the VPC's security groups (default: its default group)" })),
  },
  { additionalProperties: false },
);
const Region = Type.Object(
  {
    zones: Type.Optional(Type.Array(Zone)),
    vpcs: Type.Optional(Type.Array(Vpc)),
    instances: Type.Optional(Type.Array(Instance)),
  },
  { additionalProperties: false },
);
export const AwsSeedSchema = Type.Object(
  {
    accessKeys: Type.Optional(Type.Record(Type.String(), Type.String({ pattern: '^\\d{12}$' }), { description: 'access key id → account' })),
    accounts: Type.Optional(Type.Record(Type.String({ pattern: '^\\d{12}$' }), Type.Object({ regions: Type.Optional(Type.Record(Type.String(), Region)) }, { additionalProperties: false }), { additionalProperties: false })),
  },
  { additionalProperties: false },
);
type AwsSeed = Static<typeof AwsSeedSchema>;

export function validateAwsSeed(section: unknown): SeedProblem[] {
  if (!Value.Check(AwsSeedSchema, section))
    return [...Value.Errors(AwsSeedSchema, section)].map((e) => ({ path: e.path.split('/').filter(Boolean).join('.'), message: e.message }));
  const problems: SeedProblem[] = [];
  for (const [account, a] of Object.entries((section as AwsSeed).accounts ?? {}))
    for (const [region, r] of Object.entries(a.regions ?? {})) {
      const zones = zonesOf(region, r.zones);
      const at = (path: string, message: string) => problems.push({ path: `accounts.${account}.regions.${region}.${path}`, message });
      (r.vpcs ?? []).forEach((v, i) =>
        (v.subnets ?? []).forEach((s, j) => {
          if (!zones.some((z) => z.zoneName === s.zone)) at(`vpcs.${i}.subnets.${j}.zone`, `zone ${s.zone} is not one of the region's zones (${zones.map((z) => z.zoneName).join(', ')})`);
        }),
      );
      const groupNames = new Set(['default', ...(r.vpcs ?? []).flatMap((v) => (v.securityGroups ?? []).map((g) => g.name))]);
      (r.instances ?? []).forEach((inst, i) => {
        for (const g of inst.securityGroups ?? []) if (!groupNames.has(g)) at(`instances.${i}.securityGroups`, `no security group named ${g} in the region's VPCs`);
        if (!zones.some((z) => z.zoneName === inst.zone)) at(`instances.${i}.zone`, `zone ${inst.zone} is not one of the region's zones`);
        else if ((r.vpcs ?? []).length > 0 && !(r.vpcs ?? []).some((v) => (v.subnets ?? []).some((s) => s.zone === inst.zone)))
          at(`instances.${i}.zone`, `no subnet in zone ${inst.zone} to launch into`);
      });
    }
  return problems;
}

function zonesOf(region: string, zones: AwsSeed extends never ? never : Static<typeof Region>['zones']): ZoneData[] {
  const prefix = zoneIdPrefix(region);
  const list = zones ?? ['a', 'b', 'c'].map((l) => `${region}${l}`);
  return list.map((z, i) => (typeof z === 'string' ? { zoneName: z, zoneId: `${prefix}-az${i + 1}` } : { zoneName: z.name, zoneId: z.id ?? `${prefix}-az${i + 1}` }));
}

function groupByName(ctx: ReturnType<typeof systemContext>, name: string): string {
  return securityGroups(ctx).list({ region: ctx.region }).find((g) => g.data.groupName === name)!.id;
}

export function applyAwsSeed(section: unknown, engine: Engine, accounts: AccountResolver, onlyTenant?: string): void {
  const seed = section as AwsSeed;
  for (const [key, account] of Object.entries(seed.accessKeys ?? {})) accounts.map(key, account);
  for (const [account, a] of Object.entries(seed.accounts ?? {})) {
    if (onlyTenant !== undefined && onlyTenant !== account) continue;
    for (const [region, r] of Object.entries(a.regions ?? {})) {
      const ctx = systemContext(engine, account, region, accounts);
      for (const z of zonesOf(region, r.zones)) ctx.tenant.collection<ZoneData>(T.zone).insert({ id: z.zoneName, region, data: z });
      for (const v of r.vpcs ?? []) {
        const vpc = createVpc(ctx, v.cidr, v.tags ?? {});
        if (v.internetGateway) attachInternetGateway(ctx, vpc.id, v.tags ?? {});
        for (const g of v.securityGroups ?? []) createGroup(ctx, vpc.id, g.name, g.description ?? g.name, g.tags ?? {});
        for (const s of v.subnets ?? []) createSubnet(ctx, vpc, zonesOf(region, r.zones).find((z) => z.zoneName === s.zone)!, s.cidr, s.tags ?? {});
      }
      for (const inst of r.instances ?? []) {
        const tags = { ...(inst.name ? { Name: inst.name } : {}), ...(inst.tags ?? {}) };
        const rec = launchInstance(ctx, {
          imageId: inst.image ?? 'ami-0fa0c10d000000001',
          instanceType: inst.type ?? 'm5.large',
          zone: inst.zone,
          tags,
          volumeTags: {},
          blockDevices: [],
          reservationId: ctx.newId('r'),
          launchIndex: 0,
          securityGroupIds: inst.securityGroups?.map((name) => groupByName(ctx, name)),
        });
        // Seeded instances start in their final state, whatever the lifecycle modes say.
        engine.lifecycle.enter(ctx.tenant, rec, inst.state ?? 'running');
      }
    }
  }
}
