/** What the fault gate may match an EC2 call on: the zones it names and the resources it touches. */
import type { ResourceInfo } from '../../../core/faults/types.js';
import type { TenantStore } from '../../../core/store.js';
import { T } from './records.js';

const BY_PREFIX: ReadonlyArray<[string, string]> = [
  ['vol-', T.volume],
  ['i-', T.instance],
  ['snap-', T.snapshot],
  ['subnet-', T.subnet],
  ['vpc-', T.vpc],
];

export function ec2FaultScope(tenant: TenantStore, input: Record<string, unknown>, ids: readonly string[]): { zones: string[]; resources: ResourceInfo[] } {
  const zones = new Set<string>();
  const named = (v: unknown) => {
    if (typeof v === 'string') zones.add(v);
  };
  named(input['AvailabilityZone']);
  named((input['Placement'] as { AvailabilityZone?: unknown } | undefined)?.AvailabilityZone);
  for (const z of (input['ZoneNames'] as unknown[] | undefined) ?? []) named(z);

  const resources: ResourceInfo[] = ids.map((id) => {
    const type = BY_PREFIX.find(([p]) => id.startsWith(p))?.[1];
    const rec = type ? tenant.collection<{ zone?: string }>(type).peek(id) : undefined;
    if (rec?.data.zone) zones.add(rec.data.zone);
    return { id, tags: rec?.tags ?? {}, zone: rec?.data.zone };
  });
  return { zones: [...zones], resources };
}
