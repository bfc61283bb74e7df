/**
 * Reserved addresses, regional and global: EXTERNAL ones come from a per-project public pool,
 * INTERNAL ones from their subnetwork. A clash on a given IP is 400 for EXTERNAL and 409 for
 * INTERNAL (what cloud-provider-gcp's ensureStaticIP tolerates). Reserving the IP a forwarding
 * rule holds ephemerally promotes it (the address is IN_USE by the rule); deleting an IN_USE
 * address demotes it again: the rule keeps its IP, as the CCM's address manager relies on.
 */
import type { TenantStore } from '../../../../core/store.js';
import type { ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { defineCollection } from '../collections.js';
import { alreadyExists, badRequest, invalid, notFound } from '../problems.js';
import { parseRef } from '../urls.js';
import { allocateIp, EXTERNAL_KEY, EXTERNAL_POOL, inCidr, releaseIp } from '../../ips.js';
import { G, regionOf, type SubnetworkData } from '../../records.js';

export const ADDRESS = 'gcp.compute.address';
export const GLOBAL_ADDRESS = 'gcp.compute.globalAddress';

/** The subnetwork a resource names, or the first of its network in the region. */
export function subnetworkFor(call: ComputeCall, res: Json, region: string): { key: string; data: SubnetworkData } {
  const given = res['subnetwork'];
  if (typeof given === 'string') {
    const p = parseRef(given.includes('/') ? given : `regions/${region}/subnetworks/${given}`, call.project);
    const rec = p && call.tenant.collection<SubnetworkData>(G.subnetwork).get(p.key);
    if (!rec) throw notFound(p ? `projects/${p.project}/${p.key}` : given);
    return { key: rec.id, data: rec.data };
  }
  const network = typeof res['network'] === 'string' ? parseRef(res['network'], call.project)?.key : undefined;
  const rec = call.tenant.collection<SubnetworkData>(G.subnetwork).list({ region }).find((s) => network === undefined || s.data.network.endsWith(`/${network}`));
  if (!rec) throw invalid(`Invalid value for field 'resource.subnetwork': ''. No subnetwork found in region ${region}.`);
  return { key: rec.id, data: rec.data };
}

/** Take an IP for a resource: `wanted` if free, else the next free one. */
export function takeIp(tenant: TenantStore, pool: { key: string; cidr: string }, wanted: string | undefined, clash: () => Error): string {
  if (wanted !== undefined && !inCidr(wanted, pool.cidr) && pool.key !== EXTERNAL_KEY) throw invalid(`Invalid value for field 'resource.address': '${wanted}'. Requested internal IP is outside the subnetwork CIDR range ${pool.cidr}.`);
  const ip = allocateIp(tenant, pool.key, pool.cidr, wanted);
  if (ip === undefined) throw wanted !== undefined ? clash() : badRequest('ipExhausted', `IP space of '${pool.key}' is exhausted.`);
  return ip;
}

/** The pool an address of this type draws from, recorded on the resource for its release. */
function reserve(call: ComputeCall, res: Json, region: string | undefined): void {
  const internal = res['addressType'] === 'INTERNAL';
  res['addressType'] ??= 'EXTERNAL';
  res['status'] = 'RESERVED';
  res['users'] = [];
  const wanted = typeof res['address'] === 'string' ? res['address'] : undefined;
  const holder = wanted && region ? ephemeralHolder(call.tenant, wanted, region, internal) : undefined;
  if (holder) {
    res['status'] = 'IN_USE';
    res['users'] = [holder.data['selfLink']];
    if (internal) res['subnetwork'] = holder.data['subnetwork'];
    else res['networkTier'] ??= holder.data['networkTier'] ?? 'PREMIUM';
    res['ipVersion'] ??= 'IPV4';
    res['prefixLength'] ??= 32;
    return;
  }
  if (internal) {
    if (!region) throw invalid("Invalid value for field 'resource.addressType': 'INTERNAL'. Global internal addresses need purpose VPC_PEERING.");
    const sub = subnetworkFor(call, res, region);
    res['subnetwork'] = `compute://projects/${call.project}/${sub.key}`;
    res['address'] = takeIp(call.tenant, { key: sub.key, cidr: sub.data.ipCidrRange }, wanted, () => alreadyExists(`IP '${wanted}' in projects/${call.project}/${sub.key}`));
  } else {
    res['networkTier'] ??= 'PREMIUM';
    res['address'] = takeIp(call.tenant, { key: EXTERNAL_KEY, cidr: EXTERNAL_POOL }, wanted, () =>
      badRequest('invalid', `Invalid value for field 'resource.address': '${wanted}'. Specified IP address is in-use and would result in a conflict.`),
    );
  }
  res['ipVersion'] ??= 'IPV4';
  res['prefixLength'] ??= 32;
}

export function poolOf(res: Json): string {
  return res['addressType'] === 'INTERNAL' ? String(parseRef(String(res['subnetwork']), '')?.key) : EXTERNAL_KEY;
}

for (const [type, service, scope] of [[ADDRESS, 'addresses', 'region'], [GLOBAL_ADDRESS, 'globalAddresses', 'global']] as const)
  defineCollection({
    plural: 'addresses', service, type, kind: 'compute#address', scope, nameParam: 'address',
    prepare: (call, res) => reserve(call, res, call.params['region'] ?? (call.params['zone'] ? regionOf(call.params['zone']) : undefined)),
    // An address in use stays with its forwarding rule as an ephemeral IP; a free one goes back to the pool.
    onDeleted: (tenant, rec) => {
      if (((rec.data['users'] as string[]) ?? []).length === 0) releaseIp(tenant, poolOf(rec.data), String(rec.data['address']));
    },
  }, ['insert', 'get', 'list', 'delete', 'setLabels', ...(service === 'addresses' ? (['aggregatedList'] as const) : [])]);

/** The forwarding rule holding `ip` without a reserved address (an ephemeral IP), if any. */
function ephemeralHolder(tenant: TenantStore, ip: string, region: string, internal: boolean): { data: Json } | undefined {
  if (reservedAddress(tenant, ip, region)) return undefined;
  return tenant
    .collection<Json>('gcp.compute.forwardingRule')
    .list({ region })
    .find((fr) => fr.data['IPAddress'] === ip && (fr.data['loadBalancingScheme'] === 'INTERNAL' || fr.data['loadBalancingScheme'] === 'INTERNAL_MANAGED') === internal);
}

/** A reserved address with this IP in the region (forwarding rules take it over), if any. */
export function reservedAddress(tenant: TenantStore, ip: string, region: string | undefined): { data: Json; id: string } | undefined {
  const c = tenant.collection<Json>(region ? ADDRESS : GLOBAL_ADDRESS);
  return c.list(region ? { region } : {}).find((a) => a.data['address'] === ip);
}
