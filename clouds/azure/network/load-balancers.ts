/**
 * Load balancers: frontend IP configurations (a public IP, or a subnet with a Dynamic private
 * address handed out from it, or a Static one checked against it), backend pools (NIC-based,
 * whose `backendIPConfigurations` are the NIC IP configurations that name the pool, or IP-based
 * with `loadBalancerBackendAddresses`), probes and rules whose references must resolve inside
 * the load balancer. A public IP a frontend uses shows it in `ipConfiguration` and cannot be
 * deleted; addresses go back to their pools when frontends go.
 */
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { armError } from '../errors.js';
import { idKey } from '../arm/path.js';
import { defineType, newEtag, props, records, type ArmCall, type ArmType } from '../arm/resources.js';
import { networkShape, type Json } from '../arm/shapes.js';
import { defineEmbedded } from '../arm/embedded.js';
import { releaseIp } from './ips.js';
import { assignPrivateIp, networkInterfaces, publicIPAddresses, requireRef } from './resources.js';

const SCALE_SET_NICS = 'azure.microsoft.compute/virtualmachinescalesets/virtualmachines/networkinterfaces';
const ARRAYS: ReadonlyArray<[string, string]> = [
  ['frontendIPConfigurations', 'frontendIPConfigurations'],
  ['backendAddressPools', 'backendAddressPools'],
  ['probes', 'probes'],
  ['loadBalancingRules', 'loadBalancingRules'],
  ['inboundNatRules', 'inboundNatRules'],
  ['outboundRules', 'outboundRules'],
];

export const loadBalancers: ArmType = defineType({
  namespace: 'Microsoft.Network',
  types: ['loadBalancers'],
  shape: () => networkShape('LoadBalancer'),
  etag: 'weak',
  status: { create: 201, update: 200, patch: 200 },
  transient: { create: 'Updating', update: 'Updating' },
  subscriptionList: true,
  deleteStatus: 202,
  prepare: ({ call, body, existing, id }) => {
    const p = props(body);
    const before = existing ? props(existing.data) : {};
    const out: Json = { ...body, sku: body['sku'] ?? { name: 'Basic', tier: 'Regional' }, properties: { ...p } };
    const op = out['properties'] as Json;
    for (const [key, seg] of ARRAYS) {
      const list = (p[key] ?? []) as Json[];
      op[key] = list.map((item) => {
        if (typeof item['name'] !== 'string' || !item['name']) throw armError('InvalidRequestFormat', 400, `Cannot parse the request: ${key} items need a name.`);
        const old = ((before[key] ?? []) as Json[]).find((o) => o['name'] === item['name']);
        return { ...item, id: `${id}/${seg}/${item['name'] as string}`, etag: old?.['etag'] ?? newEtag(call.engine, loadBalancers, undefined), properties: { ...((item['properties'] ?? {}) as Json), provisioningState: 'Succeeded' } };
      });
    }
    const ids = (key: string) => new Set(((op[key] ?? []) as Json[]).map((i) => String(i['id']).toLowerCase()));
    const fips = ids('frontendIPConfigurations');
    const pools = ids('backendAddressPools');
    const probes = ids('probes');
    for (const fip of op['frontendIPConfigurations'] as Json[]) {
      const fp = fip['properties'] as Json;
      if (fp['publicIPAddress']) requireRef(call.tenant, publicIPAddresses, (fp['publicIPAddress'] as Json)['id'], `frontend IP configuration ${fip['id'] as string}`);
      else if (fp['subnet']) {
        const old = ((before['frontendIPConfigurations'] ?? []) as Json[]).find((o) => o['name'] === fip['name']);
        assignPrivateIp(call.tenant, fp, old?.['properties'] as Json | undefined);
      } else throw armError('InvalidRequestFormat', 400, `Frontend IP configuration ${fip['id'] as string} needs a public IP address or a subnet.`);
    }
    const ref = (owner: Json, field: string, set: Set<string>, required: boolean) => {
      const r = ((owner['properties'] as Json)[field] as Json | undefined)?.['id'];
      if (r === undefined) {
        if (required) throw armError('InvalidRequestFormat', 400, `Cannot parse the request: ${owner['id'] as string} needs ${field}.`);
        return;
      }
      if (!set.has(String(r).toLowerCase()))
        throw armError('InvalidResourceReference', 400, `Resource ${String(r)} referenced by resource ${owner['id'] as string} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`);
    };
    for (const rule of op['loadBalancingRules'] as Json[]) {
      ref(rule, 'frontendIPConfiguration', fips, true);
      ref(rule, 'backendAddressPool', pools, false);
      ref(rule, 'probe', probes, false);
    }
    for (const rule of op['outboundRules'] as Json[]) ref(rule, 'frontendIPConfiguration', fips, false);
    return out;
  },
  afterPut: ({ call }, rec) => syncPublicIps(call, rec),
  onDeleted: (ctx, rec) => {
    for (const fip of (props(rec.data)['frontendIPConfigurations'] ?? []) as Json[]) releaseFrontend(ctx.tenant, fip);
    for (const pip of records(ctx.tenant, publicIPAddresses).all()) {
      const cfg = (props(pip.data)['ipConfiguration'] as Json | undefined)?.['id'];
      if (typeof cfg === 'string' && cfg.toLowerCase().startsWith(`${rec.id}/`)) delete props(pip.data)['ipConfiguration'];
    }
  },
  decorate: (call, rec) => withBackends(call, rec),
});

// `…/loadBalancers/{lb}/backendAddressPools/{pool}`: cloud-provider-azure's nodeIP mode writes
// IP-based pools here.
defineEmbedded({ parent: loadBalancers, key: 'backendAddressPools', segment: 'backendAddressPools', shape: () => networkShape('BackendAddressPool') });

function releaseFrontend(tenant: TenantStore, fip: Json): void {
  const fp = fip['properties'] as Json;
  const subnet = (fp['subnet'] as Json | undefined)?.['id'];
  if (typeof subnet === 'string' && typeof fp['privateIPAddress'] === 'string') releaseIp(tenant, idKey(subnet), fp['privateIPAddress']);
}

/** Public IPs point back at the frontend using them; ones this LB dropped are freed. */
function syncPublicIps(call: ArmCall, rec: ResourceRecord<Json>): void {
  const used = new Map<string, string>();
  for (const fip of (props(rec.data)['frontendIPConfigurations'] ?? []) as Json[]) {
    const pip = ((fip['properties'] as Json)['publicIPAddress'] as Json | undefined)?.['id'];
    if (typeof pip === 'string') used.set(idKey(pip), fip['id'] as string);
  }
  for (const pip of records(call.tenant, publicIPAddresses).all()) {
    const pp = props(pip.data);
    const cfg = (pp['ipConfiguration'] as Json | undefined)?.['id'];
    const mine = typeof cfg === 'string' && cfg.toLowerCase().startsWith(`${rec.id}/`);
    const now = used.get(pip.id);
    if (now) pp['ipConfiguration'] = { id: now };
    else if (mine) delete pp['ipConfiguration'];
  }
}

/** NIC IP configurations (VMs' and scale-set instances') that name each pool. */
function withBackends(call: ArmCall, rec: ResourceRecord<Json>): Json {
  const pools = (props(rec.data)['backendAddressPools'] ?? []) as Json[];
  if (pools.length === 0) return rec.data;
  const members = new Map<string, Json[]>(pools.map((p) => [String(p['id']).toLowerCase(), []]));
  for (const type of ['azure.microsoft.network/networkinterfaces', SCALE_SET_NICS])
    for (const nic of call.tenant.collection<Json>(type).all())
      for (const cfg of (props(nic.data)['ipConfigurations'] ?? []) as Json[])
        for (const pool of ((cfg['properties'] as Json | undefined)?.['loadBalancerBackendAddressPools'] ?? []) as Json[])
          members.get(String(pool['id']).toLowerCase())?.push({ id: cfg['id'] });
  return {
    ...rec.data,
    properties: {
      ...props(rec.data),
      backendAddressPools: pools.map((p) => ({ ...p, properties: { ...(p['properties'] as Json), backendIPConfigurations: members.get(String(p['id']).toLowerCase()) } })),
    },
  };
}

/** `/metadata/loadbalancer`: the public frontends of pools this VM's NICs are in. */
export function publicFrontendsOf(tenant: TenantStore, vm: ResourceRecord<Json>): Array<{ frontendIpAddress: string; privateIpAddress: string }> {
  const nicIds = (((props(vm.data)['networkProfile'] as Json | undefined)?.['networkInterfaces'] ?? []) as Json[]).map((n) => idKey(String(n['id'])));
  const out: Array<{ frontendIpAddress: string; privateIpAddress: string }> = [];
  for (const nicId of nicIds) {
    const nic = records(tenant, networkInterfaces).peek(nicId) ?? tenant.collection<Json>(SCALE_SET_NICS).peek(nicId);
    for (const cfg of (nic ? props(nic.data)['ipConfigurations'] ?? [] : []) as Json[]) {
      const cp = cfg['properties'] as Json;
      for (const pool of (cp['loadBalancerBackendAddressPools'] ?? []) as Json[]) {
        const lbId = String(pool['id']).toLowerCase().replace(/\/backendaddresspools\/[^/]+$/, '');
        const lb = records(tenant, loadBalancers).peek(lbId);
        for (const fip of (lb ? props(lb.data)['frontendIPConfigurations'] ?? [] : []) as Json[]) {
          const pipId = ((fip['properties'] as Json)['publicIPAddress'] as Json | undefined)?.['id'];
          const pip = typeof pipId === 'string' ? records(tenant, publicIPAddresses).peek(idKey(pipId)) : undefined;
          const ip = pip ? props(pip.data)['ipAddress'] : undefined;
          if (typeof ip === 'string') out.push({ frontendIpAddress: ip, privateIpAddress: String(cp['privateIPAddress']) });
        }
      }
    }
  }
  return out;
}
