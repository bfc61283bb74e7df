/**
 * VPC: networks, subnetworks, routes (the CCM's route controller: one per node podCIDR, a 409 on
 * insert meaning "already there") and firewalls (insert / PUT / PATCH / delete, as the CCM's load
 * balancers manage `k8s-fw-*` rules).
 */
import type { ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { defineCollection, normalizeRefs } from '../collections.js';
import { badRequest, invalid, notFound, required } from '../problems.js';
import { parseRef, ref } from '../urls.js';
import { intToIp, ipToInt } from '../../ips.js';
import { G, type GceInstanceData } from '../../records.js';

/** The network a resource names (default: `default`), which must exist. */
export function requireNetwork(call: ComputeCall, res: Json, field = 'network', fallback: string | undefined = 'global/networks/default'): void {
  const given = (res[field] as string | undefined) ?? fallback;
  if (given === undefined) return;
  const p = parseRef(given, call.project);
  if (!p || p.collection !== 'networks') throw invalid(`Invalid value for field 'resource.${field}': '${given}'. The URL is malformed.`);
  const net = call.tenant.collection<Json>(G.network).get(p.key);
  if (!net) throw notFound(`projects/${p.project}/${p.key}`);
  res[field] = net.data['selfLink'];
}

const CIDR = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d|[12]\d|3[0-2])$/;

defineCollection({
  plural: 'networks', service: 'networks', type: G.network, kind: 'compute#network', scope: 'global', nameParam: 'network',
  prepare: (_call, res) => {
    res['autoCreateSubnetworks'] ??= false;
    res['mtu'] ??= 1460;
    res['routingConfig'] ??= { routingMode: 'REGIONAL' };
    res['subnetworks'] = [];
  },
  beforeDelete: (call, rec) => {
    const subs = call.tenant.collection<Json>(G.subnetwork).list({ parent: rec.id });
    if (subs.length > 0) throw badRequest('resourceInUseByAnotherResource', `The network resource 'projects/${call.project}/${rec.id}' is already being used by '${String(subs[0]!.data['selfLink']).replace('compute://', '')}'`);
  },
}, ['insert', 'get', 'list', 'delete', 'patch']);

defineCollection({
  plural: 'subnetworks', service: 'subnetworks', type: G.subnetwork, kind: 'compute#subnetwork', scope: 'region', nameParam: 'subnetwork',
  prepare: (call, res) => {
    requireNetwork(call, res, 'network', undefined);
    if (res['network'] === undefined) throw required('resource.network');
    const m = CIDR.exec(String(res['ipCidrRange'] ?? ''));
    if (!m) throw invalid(`Invalid value for field 'resource.ipCidrRange': '${String(res['ipCidrRange'])}'. Invalid IPCidrRange.`);
    const size = 2 ** (32 - Number(m[2]));
    const start = ipToInt(m[1]!) - (ipToInt(m[1]!) % size);
    res['gatewayAddress'] = intToIp(start + 1);
    res['fingerprint'] = 'fauxcloud00=';
    res['stackType'] ??= 'IPV4_ONLY';
    res['purpose'] ??= 'PRIVATE';
  },
}, ['insert', 'get', 'list', 'aggregatedList', 'delete', 'patch']);

defineCollection({
  plural: 'routes', service: 'routes', type: 'gcp.compute.route', kind: 'compute#route', scope: 'global', nameParam: 'route',
  prepare: (call, res) => {
    requireNetwork(call, res, 'network', undefined);
    if (res['network'] === undefined) throw required('resource.network');
    if (!CIDR.test(String(res['destRange'] ?? ''))) throw invalid(`Invalid value for field 'resource.destRange': '${String(res['destRange'])}'. Must be a CIDR range.`);
    const hop = res['nextHopInstance'];
    if (typeof hop === 'string') {
      const p = parseRef(hop, call.project);
      if (!p || p.collection !== 'instances') throw invalid(`Invalid value for field 'resource.nextHopInstance': '${hop}'. The URL is malformed.`);
      if (!call.tenant.collection<GceInstanceData>(G.instance).get(p.key)) throw notFound(`projects/${p.project}/${p.key}`);
      res['nextHopInstance'] = ref(p.project, p.key);
    } else if (!['nextHopIp', 'nextHopGateway', 'nextHopNetwork', 'nextHopIlb', 'nextHopVpnTunnel'].some((f) => res[f] !== undefined)) {
      throw invalid("Invalid value for field 'resource': ''. A route must have exactly one next hop.");
    }
    normalizeRefs(call.project, res, ['nextHopGateway', 'nextHopIlb', 'nextHopNetwork']);
    if (typeof res['nextHopIp'] === 'string' && !CIDR.test(`${res['nextHopIp']}/32`)) throw invalid(`Invalid value for field 'resource.nextHopIp': '${res['nextHopIp']}'.`);
    res['priority'] ??= 1000;
    res['routeType'] = 'STATIC';
  },
}, ['insert', 'get', 'list', 'delete']);

defineCollection({
  plural: 'firewalls', service: 'firewalls', type: 'gcp.compute.firewall', kind: 'compute#firewall', scope: 'global', nameParam: 'firewall', revalidate: true,
  immutable: ['network', 'direction'],
  prepare: (call, res) => {
    requireNetwork(call, res);
    const allowed = (res['allowed'] as Json[] | undefined) ?? [];
    const denied = (res['denied'] as Json[] | undefined) ?? [];
    if ((allowed.length > 0) === (denied.length > 0)) throw invalid("Invalid value for field 'resource': ''. Exactly one of 'allowed' or 'denied' must be specified.");
    for (const rule of [...allowed, ...denied]) if (typeof rule['IPProtocol'] !== 'string') throw required('resource.allowed[0].IPProtocol');
    for (const r of [...((res['sourceRanges'] as string[] | undefined) ?? []), ...((res['destinationRanges'] as string[] | undefined) ?? [])])
      if (!CIDR.test(r) && !/^\d{1,3}(\.\d{1,3}){3}$/.test(r) && !r.includes(':')) throw invalid(`Invalid value for field 'resource.sourceRanges[0]': '${r}'. Must be a CIDR address range.`);
    res['direction'] ??= 'INGRESS';
    res['priority'] ??= 1000;
    res['disabled'] ??= false;
    res['logConfig'] ??= { enable: false };
    if (res['direction'] === 'INGRESS' && res['sourceRanges'] === undefined && res['sourceTags'] === undefined && res['sourceServiceAccounts'] === undefined) res['sourceRanges'] = ['0.0.0.0/0'];
  },
}, ['insert', 'get', 'list', 'delete', 'update', 'patch']);

