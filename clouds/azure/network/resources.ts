/**
 * Microsoft.Network: virtual networks (subnets as child resources), network interfaces, security
 * groups, route tables, public IP addresses and load balancers, shaped by `@azure/arm-network`'s
 * mappers. Network PUTs carry the whole resource (a prior GET's body with edits) and replace it;
 * every resource and every embedded item (frontend IP configurations, pools, probes, rules,
 * security rules, routes, IP configurations) gets its ARM id, a weak etag and
 * `provisioningState`. Addresses: Dynamic private IPs come from the subnet, public IPs from
 * fauxcloud's public pool; a public IP in use cannot be deleted.
 */
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { armError, badRequest } from '../errors.js';
import { idKey, parseResourceId } from '../arm/path.js';
import { defineType, newEtag, props, records, type ArmCall, type ArmType, type PutInput } from '../arm/resources.js';
import { networkShape, type Json } from '../arm/shapes.js';
import { allocateIp, inCidr, PUBLIC_KEY, PUBLIC_POOL, releaseIp } from './ips.js';

const NS = 'Microsoft.Network';
const nt = (types: string[], className: string, extra: Partial<ArmType> & Pick<ArmType, 'prepare'>): ArmType =>
  defineType({ namespace: NS, types, shape: () => networkShape(className), etag: 'weak', status: { create: 201, update: 200, patch: 200 }, transient: { create: 'Updating', update: 'Updating' }, subscriptionList: types.length === 1, deleteStatus: 202, ...extra });

/** Ids, etags and provisioning states of the items embedded under `properties[key]`. */
function items(call: ArmCall, parentId: string, body: Json, key: string, childType: string): Json[] {
  const list = (props(body)[key] ?? []) as Json[];
  return list.map((item) => {
    if (typeof item['name'] !== 'string' || !item['name']) throw badRequest('InvalidRequestFormat', `Cannot parse the request: ${key} items need a name.`);
    return { ...item, id: `${parentId}/${childType}/${item['name']}`, etag: newEtag(call.engine, { etag: 'weak' } as ArmType, undefined), properties: { ...((item['properties'] ?? {}) as Json), provisioningState: 'Succeeded' } };
  });
}

export const subnets: ArmType = nt(['virtualNetworks', 'subnets'], 'Subnet', {
  subscriptionList: false,
  prepare: ({ body, existing }) => {
    const p = props(body);
    if (typeof p['addressPrefix'] !== 'string' && !Array.isArray(p['addressPrefixes'])) throw badRequest('InvalidRequestFormat', 'Cannot parse the request: subnet needs addressPrefix.');
    const kept = existing ? props(existing.data) : {};
    return { ...body, properties: { ...p, ipConfigurations: kept['ipConfigurations'] } };
  },
});

export const virtualNetworks: ArmType = nt(['virtualNetworks'], 'VirtualNetwork', {
  prepare: ({ body }) => {
    const p = props(body);
    const out = { ...body, properties: { ...p } };
    delete (out['properties'] as Json)['subnets'];
    return out;
  },
  afterPut: ({ call, body }, rec) => {
    const wanted = ((props(body)['subnets'] ?? []) as Json[]).filter((s) => typeof s['name'] === 'string');
    const c = records(call.tenant, subnets);
    const keep = new Set<string>();
    for (const s of wanted) {
      const id = `${rec.data['id'] as string}/subnets/${s['name'] as string}`;
      keep.add(idKey(id));
      const old = c.peek(idKey(id));
      const data: Json = { ...s, id, name: s['name'], type: 'Microsoft.Network/virtualNetworks/subnets', etag: newEtag(call.engine, subnets, undefined), properties: { ...((s['properties'] ?? {}) as Json), provisioningState: 'Succeeded' } };
      if (old) old.data = data;
      else c.insert({ id: idKey(id), parent: rec.id, data });
    }
    for (const old of c.peekChildren(rec.id)) if (!keep.has(old.id)) c.delete(old.id);
  },
  decorate: (call, rec) => ({ ...rec.data, properties: { ...props(rec.data), subnets: records(call.tenant, subnets).peekChildren(rec.id).map((s) => s.data) } }),
});

export const networkInterfaces: ArmType = nt(['networkInterfaces'], 'NetworkInterface', {
  prepare: ({ call, body, existing, id }) => {
    const p = props(body);
    const configs = items(call, id, body, 'ipConfigurations', 'ipConfigurations');
    const before = existing ? ((props(existing.data)['ipConfigurations'] ?? []) as Json[]) : [];
    for (const c of configs) {
      const cp = c['properties'] as Json;
      const old = before.find((b) => b['name'] === c['name']);
      assignPrivateIp(call.tenant, cp, old ? (old['properties'] as Json) : undefined);
    }
    const kept = existing ? props(existing.data) : {};
    return { ...body, properties: { ...p, ipConfigurations: configs, virtualMachine: kept['virtualMachine'], macAddress: kept['macAddress'], primary: kept['primary'] ?? true, provisioningState: 'Succeeded' } };
  },
});

export const networkSecurityGroups: ArmType = nt(['networkSecurityGroups'], 'NetworkSecurityGroup', {
  prepare: ({ call, body, id }) => {
    const rules = items(call, id, body, 'securityRules', 'securityRules');
    for (const r of rules) {
      const rp = r['properties'] as Json;
      const prio = rp['priority'];
      if (typeof prio !== 'number' || prio < 100 || prio > 4096)
        throw badRequest('SecurityRuleInvalidPriority', `Security rule ${r['name'] as string} has invalid Priority. Value provided: ${String(prio)} Allowed range 100-4096.`);
      const dup = rules.find((o) => o !== r && (o['properties'] as Json)['priority'] === prio && (o['properties'] as Json)['direction'] === rp['direction']);
      if (dup) throw badRequest('SecurityRuleConflict', `Security rule ${r['name'] as string} conflicts with rule ${dup['name'] as string}. Rules cannot have the same Priority and Direction.`);
    }
    return { ...body, properties: { ...props(body), securityRules: rules, defaultSecurityRules: defaultRules(id) } };
  },
});

export const routeTables: ArmType = nt(['routeTables'], 'RouteTable', {
  prepare: ({ call, body, id }) => ({ ...body, properties: { ...props(body), routes: items(call, id, body, 'routes', 'routes') } }),
});

export const publicIPAddresses: ArmType = nt(['publicIPAddresses'], 'PublicIPAddress', {
  prepare: ({ call, body, existing }) => {
    const p = props(body);
    const kept = existing ? props(existing.data) : {};
    const sku = ((body['sku'] as Json | undefined)?.['name'] as string | undefined) ?? 'Basic';
    const method = (p['publicIPAllocationMethod'] as string | undefined) ?? (sku === 'Standard' ? 'Static' : 'Dynamic');
    if (sku === 'Standard' && method !== 'Static')
      throw badRequest('StandardSkuPublicIPAddressesMustBeStatic', 'Standard sku publicIp addresses must have AllocationMethod set to Static.');
    if ((p['publicIPAddressVersion'] ?? 'IPv4') !== 'IPv4' && !kept['ipAddress'])
      return { ...body, sku: { name: sku, tier: 'Regional' }, properties: { ...p, publicIPAllocationMethod: method, ipAddress: `2603:1030:${call.engine.ids.hex('azure:ipv6', 4)}::1` } };
    const ip = (kept['ipAddress'] as string | undefined) ?? (method === 'Static' ? allocateIp(call.tenant, PUBLIC_KEY, PUBLIC_POOL) : undefined);
    return { ...body, sku: { name: sku, tier: 'Regional' }, properties: { ...p, publicIPAllocationMethod: method, publicIPAddressVersion: p['publicIPAddressVersion'] ?? 'IPv4', idleTimeoutInMinutes: p['idleTimeoutInMinutes'] ?? 4, ipAddress: ip, ipConfiguration: kept['ipConfiguration'], ipTags: p['ipTags'] ?? [] } };
  },
  beforeDelete: (_call, rec) => {
    const cfg = (props(rec.data)['ipConfiguration'] as Json | undefined)?.['id'];
    if (typeof cfg === 'string')
      throw badRequest('PublicIPAddressCannotBeDeleted', `Public IP address ${rec.data['id'] as string} can not be deleted since it is still allocated to resource ${cfg}. In order to delete the public IP, disassociate/detach the Public IP address from the resource.`);
  },
  onDeleted: (ctx, rec) => {
    const ip = props(rec.data)['ipAddress'];
    if (typeof ip === 'string') releaseIp(ctx.tenant, PUBLIC_KEY, ip);
  },
});

/** Dynamic → the next free address of the subnet (kept across updates); Static → checked. */
export function assignPrivateIp(tenant: TenantStore, cp: Json, old: Json | undefined): void {
  const subnetId = (cp['subnet'] as Json | undefined)?.['id'];
  if (typeof subnetId !== 'string') return;
  const subnet = tenant.collection<Json>('azure.microsoft.network/virtualnetworks/subnets').peek(idKey(subnetId));
  if (!subnet) throw badRequest('InvalidResourceReference', `Resource ${subnetId} referenced by resource was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`);
  const cidr = (props(subnet.data)['addressPrefix'] ?? ((props(subnet.data)['addressPrefixes'] ?? []) as string[])[0]) as string;
  const method = (cp['privateIPAllocationMethod'] as string | undefined) ?? (cp['privateIPAddress'] ? 'Static' : 'Dynamic');
  cp['privateIPAllocationMethod'] = method;
  cp['privateIPAddressVersion'] ??= 'IPv4';
  const oldIp = old?.['privateIPAddress'] as string | undefined;
  if (method === 'Dynamic' || !cp['privateIPAddress']) {
    cp['privateIPAddress'] = oldIp && (old?.['subnet'] as Json | undefined)?.['id'] === subnetId ? oldIp : allocateIp(tenant, idKey(subnetId), cidr);
    if (!cp['privateIPAddress']) throw badRequest('SubnetIsFull', `Subnet ${subnetId} has no free addresses left.`);
    return;
  }
  const ip = cp['privateIPAddress'] as string;
  if (ip === oldIp) return;
  if (!inCidr(ip, cidr)) throw badRequest('PrivateIPAddressNotInSubnet', `Private static IP address ${ip} does not belong to the range of subnet prefix ${cidr}.`);
  if (!allocateIp(tenant, idKey(subnetId), cidr, ip)) throw badRequest('PrivateIPAddressInUse', `IP configuration is using the private IP address ${ip} which is already allocated to another resource.`);
}

export function defaultRules(nsgId: string): Json[] {
  const rule = (name: string, priority: number, direction: string, access: string, src: string, dst: string) => ({
    id: `${nsgId}/defaultSecurityRules/${name}`, name, type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
    properties: { protocol: '*', sourcePortRange: '*', destinationPortRange: '*', sourceAddressPrefix: src, destinationAddressPrefix: dst, access, priority, direction, provisioningState: 'Succeeded', description: name },
  });
  return [
    rule('AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
    rule('AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*'),
    rule('DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*'),
    rule('AllowVnetOutBound', 65000, 'Outbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
    rule('AllowInternetOutBound', 65001, 'Outbound', 'Allow', '*', 'Internet'),
    rule('DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*'),
  ];
}

export function findNetwork(tenant: TenantStore, t: ArmType, id: string): ResourceRecord<Json> | undefined {
  return records(tenant, t).peek(idKey(id));
}

export const referenceKind = (id: string): string | undefined => parseResourceId(id)?.types.join('/').toLowerCase();

export function requireRef(tenant: TenantStore, t: ArmType, id: unknown, what: string): ResourceRecord<Json> {
  const rec = typeof id === 'string' ? findNetwork(tenant, t, id) : undefined;
  if (!rec) throw armError('InvalidResourceReference', 400, `Resource ${String(id)} referenced by ${what} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`);
  return rec;
}

export type { PutInput };
