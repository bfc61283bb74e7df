/**
 * What cloud-provider-gcp's service controller builds. External (target pool) load balancers:
 * forwarding rule → targetPool (instances, legacy httpHealthCheck). Internal ones: INTERNAL
 * forwarding rule with an IP from the subnet → regionBackendService (instance groups, health
 * check). References must resolve; what is referenced cannot be deleted ("being used by").
 */
import type { ResourceRecord, TenantStore } from '../../../../core/store.js';
import { defineHandlers, operation, scopeOf, type ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { defineCollection, getRecord, normalizeRefs, type CollectionDef } from '../collections.js';
import { defineEffect } from '../operations.js';
import { badRequest, invalid, notFound, required } from '../problems.js';
import { parseRef, REF } from '../urls.js';
import { EXTERNAL_KEY, EXTERNAL_POOL, releaseIp } from '../../ips.js';
import { G } from '../../records.js';
import { reservedAddress, subnetworkFor, takeIp } from './addresses.js';
import { requireNetwork } from './networks.js';

export const T = {
  forwardingRule: 'gcp.compute.forwardingRule',
  targetPool: 'gcp.compute.targetPool',
  httpHealthCheck: 'gcp.compute.httpHealthCheck',
  healthCheck: 'gcp.compute.healthCheck',
  backendService: 'gcp.compute.regionBackendService',
  instanceGroup: 'gcp.compute.instanceGroup',
} as const;

const COLLECTION_TYPES: Readonly<Record<string, string>> = {
  targetPools: T.targetPool, httpHealthChecks: T.httpHealthCheck, healthChecks: T.healthCheck, backendServices: T.backendService,
  instanceGroups: T.instanceGroup, instances: G.instance, forwardingRules: T.forwardingRule,
};

/** Resolve a reference that must exist, stored form back. */
export function requireTarget(call: ComputeCall, value: unknown, collection: string, field: string): string {
  if (typeof value !== 'string') throw required(`resource.${field}`);
  const p = parseRef(value, call.project);
  if (!p || p.collection !== collection) throw invalid(`Invalid value for field 'resource.${field}': '${value}'. The URL is malformed.`);
  if (!call.tenant.collection(COLLECTION_TYPES[collection]!).get(p.key)) throw notFound(`projects/${p.project}/${p.key}`);
  return `${REF}projects/${p.project}/${p.key}`;
}

/** Refuse deleting something another resource still points at. */
export function refuseIfReferenced(tenant: TenantStore, rec: ResourceRecord<Json>, byTypes: string[], fields: (r: Json) => unknown[]): void {
  const link = rec.data['selfLink'];
  for (const type of byTypes)
    for (const other of tenant.collection<Json>(type).list())
      if (fields(other.data).flat(3).includes(link))
        throw badRequest('resourceInUseByAnotherResource', `The ${rec.data['kind']?.toString().replace('compute#', '')} resource '${String(link).replace(REF, '')}' is already being used by '${String(other.data['selfLink']).replace(REF, '')}'`);
}

// Forwarding rules -----------------------------------------------------------------------------

function prepareForwardingRule(call: ComputeCall, fr: Json): void {
  const region = call.params['region']!;
  const scheme = String(fr['loadBalancingScheme'] ?? 'EXTERNAL');
  fr['loadBalancingScheme'] = scheme;
  fr['IPProtocol'] ??= 'TCP';
  fr['ipVersion'] ??= 'IPV4';
  if (fr['target'] !== undefined) fr['target'] = requireTarget(call, fr['target'], 'targetPools', 'target');
  if (fr['backendService'] !== undefined) fr['backendService'] = requireTarget(call, fr['backendService'], 'backendServices', 'backendService');
  if (fr['target'] === undefined && fr['backendService'] === undefined) throw invalid("Invalid value for field 'resource.target': ''. A forwarding rule needs a target or a backend service.");
  let wanted = typeof fr['IPAddress'] === 'string' && fr['IPAddress'] !== '' ? String(fr['IPAddress']) : undefined;
  if (wanted && wanted.includes('/')) {
    const p = parseRef(wanted, call.project);
    const addr = p && call.tenant.collection<Json>('gcp.compute.address').get(p.key);
    if (!addr) throw notFound(p ? `projects/${p.project}/${p.key}` : wanted);
    wanted = String(addr.data['address']);
  }
  const reserved = wanted ? reservedAddress(call.tenant, wanted, region) : undefined;
  if (scheme === 'INTERNAL' || scheme === 'INTERNAL_MANAGED') {
    requireNetwork(call, fr, 'network', undefined);
    const sub = subnetworkFor(call, fr, region);
    fr['subnetwork'] = `${REF}projects/${call.project}/${sub.key}`;
    fr['network'] ??= sub.data.network;
    fr['IPAddress'] = reserved ? wanted : takeIp(call.tenant, { key: sub.key, cidr: sub.data.ipCidrRange }, wanted, () => badRequest('invalid', `IP address '${wanted}' is already being used by another resource.`));
    if (fr['ports'] === undefined && fr['allPorts'] === undefined) throw invalid("Invalid value for field 'resource.ports': ''. Internal forwarding rules need ports or allPorts.");
  } else {
    fr['networkTier'] ??= 'PREMIUM';
    fr['IPAddress'] = reserved ? wanted : takeIp(call.tenant, { key: EXTERNAL_KEY, cidr: EXTERNAL_POOL }, wanted, () => badRequest('invalid', `Invalid value for field 'resource.IPAddress': '${wanted}'. Specified IP address is in-use and would result in a conflict.`));
    if (fr['portRange'] === undefined && fr['ports'] === undefined && fr['allPorts'] === undefined) fr['portRange'] = '1-65535';
  }
  if (reserved) {
    const users = (reserved.data['users'] as string[]) ?? [];
    reserved.data['users'] = [...users, fr['selfLink']];
    reserved.data['status'] = 'IN_USE';
  }
  fr['fingerprint'] = 'fauxcloud00=';
}

function forwardingRuleDeleted(tenant: TenantStore, rec: ResourceRecord<Json>): void {
  const ip = String(rec.data['IPAddress']);
  const reserved = reservedAddress(tenant, ip, rec.region);
  if (reserved) {
    reserved.data['users'] = ((reserved.data['users'] as string[]) ?? []).filter((u) => u !== rec.data['selfLink']);
    if ((reserved.data['users'] as string[]).length === 0) reserved.data['status'] = 'RESERVED';
    return;
  }
  const sub = typeof rec.data['subnetwork'] === 'string' ? parseRef(rec.data['subnetwork'], tenant.id)?.key : undefined;
  releaseIp(tenant, rec.data['loadBalancingScheme'] === 'EXTERNAL' || !sub ? EXTERNAL_KEY : sub, ip);
}

defineCollection({
  plural: 'forwardingRules', service: 'forwardingRules', type: T.forwardingRule, kind: 'compute#forwardingRule', scope: 'region', nameParam: 'forwardingRule',
  prepare: prepareForwardingRule, onDeleted: forwardingRuleDeleted, immutable: ['IPAddress', 'IPProtocol', 'loadBalancingScheme', 'network', 'subnetwork'],
}, ['insert', 'get', 'list', 'aggregatedList', 'delete', 'patch', 'setLabels']);

// Target pools ----------------------------------------------------------------------------------

const TARGET_POOLS: CollectionDef = {
  plural: 'targetPools', service: 'targetPools', type: T.targetPool, kind: 'compute#targetPool', scope: 'region', nameParam: 'targetPool',
  prepare: (call, tp) => {
    tp['instances'] = ((tp['instances'] as string[] | undefined) ?? []).map((i, n) => requireTarget(call, i, 'instances', `instances[${n}]`));
    tp['healthChecks'] = ((tp['healthChecks'] as string[] | undefined) ?? []).map((h, n) => requireTarget(call, h, 'httpHealthChecks', `healthChecks[${n}]`));
    tp['sessionAffinity'] ??= 'NONE';
  },
  beforeDelete: (call, rec) => refuseIfReferenced(call.tenant, rec, [T.forwardingRule], (r) => [r['target']]),
};
defineCollection(TARGET_POOLS, ['insert', 'get', 'list', 'aggregatedList', 'delete']);

defineEffect('poolMembers', {
  apply: ({ tenant }, args) => {
    const rec = tenant.collection<Json>(T.targetPool).peek(String(args['key']));
    if (!rec) return;
    const field = String(args['field']);
    const current = (rec.data[field] as string[] | undefined) ?? [];
    const change = args['items'] as string[];
    rec.data[field] = args['add'] ? [...current, ...change.filter((c) => !current.includes(c))] : current.filter((c) => !change.includes(c));
  },
});

function poolChange(field: 'instances' | 'healthChecks', collection: string, add: boolean) {
  return (call: ComputeCall) => {
    const rec = getRecord(call, TARGET_POOLS);
    const given = (call.body[field] as Json[] | undefined) ?? [];
    const key = field === 'instances' ? 'instance' : 'healthCheck';
    const items = given.map((g, n) => (add ? requireTarget(call, g[key], collection, `${field}[${n}].${key}`) : normalizeTarget(call, g[key])));
    return operation(call, { scope: scopeOf(call), operationType: `${add ? 'add' : 'remove'}${field === 'instances' ? 'Instance' : 'HealthCheck'}`, target: rec.id, targetId: String(rec.data['id']), effect: { kind: 'poolMembers', args: { key: rec.id, field, add, items } } });
  };
}
const normalizeTarget = (call: ComputeCall, v: unknown): string => {
  const p = typeof v === 'string' ? parseRef(v, call.project) : undefined;
  return p ? `${REF}projects/${p.project}/${p.key}` : String(v);
};

defineHandlers({
  'targetPools.addInstance': poolChange('instances', 'instances', true),
  'targetPools.removeInstance': poolChange('instances', 'instances', false),
  'targetPools.addHealthCheck': poolChange('healthChecks', 'httpHealthChecks', true),
  'targetPools.removeHealthCheck': poolChange('healthChecks', 'httpHealthChecks', false),
  'targetPools.getHealth': (call) => {
    const rec = getRecord(call, TARGET_POOLS);
    const inst = normalizeTarget(call, call.body['instance']);
    if (!((rec.data['instances'] as string[]) ?? []).includes(inst)) throw invalid(`Invalid value for field 'resource.instance': '${String(call.body['instance'])}'. The instance is not in the target pool.`);
    const p = parseRef(inst, call.project);
    const alive = p !== undefined && call.tenant.collection(G.instance).peek(p.key) !== undefined;
    return { kind: 'compute#targetPoolInstanceHealth', healthStatus: [{ instance: inst, healthState: alive ? 'HEALTHY' : 'UNHEALTHY' }] };
  },
});

// Health checks -------------------------------------------------------------------------------

defineCollection({
  plural: 'httpHealthChecks', service: 'httpHealthChecks', type: T.httpHealthCheck, kind: 'compute#httpHealthCheck', scope: 'global', nameParam: 'httpHealthCheck', revalidate: true,
  prepare: (_call, hc) => {
    hc['port'] ??= 80;
    hc['requestPath'] ??= '/';
    hc['checkIntervalSec'] ??= 5;
    hc['timeoutSec'] ??= 5;
    hc['healthyThreshold'] ??= 2;
    hc['unhealthyThreshold'] ??= 2;
  },
  beforeDelete: (call, rec) => refuseIfReferenced(call.tenant, rec, [T.targetPool], (r) => [r['healthChecks']]),
}, ['insert', 'get', 'list', 'delete', 'update', 'patch']);

defineCollection({
  plural: 'healthChecks', service: 'healthChecks', type: T.healthCheck, kind: 'compute#healthCheck', scope: 'global', nameParam: 'healthCheck', revalidate: true,
  prepare: (_call, hc) => {
    if (typeof hc['type'] !== 'string') throw required('resource.type');
    hc['checkIntervalSec'] ??= 5;
    hc['timeoutSec'] ??= 5;
    hc['healthyThreshold'] ??= 2;
    hc['unhealthyThreshold'] ??= 2;
  },
  beforeDelete: (call, rec) => refuseIfReferenced(call.tenant, rec, [T.backendService], (r) => [r['healthChecks']]),
}, ['insert', 'get', 'list', 'aggregatedList', 'delete', 'update', 'patch']);

// Regional backend services ---------------------------------------------------------------------

const BACKEND_SERVICES: CollectionDef = {
  plural: 'backendServices', service: 'regionBackendServices', type: T.backendService, kind: 'compute#backendService', scope: 'region', nameParam: 'backendService', revalidate: true,
  immutable: ['loadBalancingScheme'],
  prepare: (call, bs) => {
    bs['healthChecks'] = ((bs['healthChecks'] as string[] | undefined) ?? []).map((h, n) => requireTarget(call, h, 'healthChecks', `healthChecks[${n}]`));
    bs['backends'] = ((bs['backends'] as Json[] | undefined) ?? []).map((b, n) => ({ balancingMode: 'CONNECTION', ...b, group: requireTarget(call, b['group'], 'instanceGroups', `backends[${n}].group`) }));
    bs['loadBalancingScheme'] ??= 'INTERNAL';
    bs['protocol'] ??= 'TCP';
    bs['sessionAffinity'] ??= 'NONE';
    bs['timeoutSec'] ??= 30;
    bs['connectionDraining'] ??= { drainingTimeoutSec: 0 };
    bs['fingerprint'] = 'fauxcloud00=';
  },
  beforeDelete: (call, rec) => refuseIfReferenced(call.tenant, rec, [T.forwardingRule], (r) => [r['backendService']]),
};
defineCollection(BACKEND_SERVICES, ['insert', 'get', 'list', 'delete', 'update', 'patch']);

defineHandlers({
  'regionBackendServices.getHealth': (call) => {
    const rec = getRecord(call, BACKEND_SERVICES);
    const group = normalizeTarget(call, call.body['group']);
    if (!((rec.data['backends'] as Json[]) ?? []).some((b) => b['group'] === group)) throw invalid(`Invalid value for field 'resourceGroupReference.group': '${String(call.body['group'])}'. The group is not a backend of this service.`);
    const members = call.tenant.collection<Json>('gcp.compute.instanceGroupMember').list({ parent: parseRef(group, call.project)!.key });
    return {
      kind: 'compute#backendServiceGroupHealth',
      healthStatus: members.map((m) => ({ instance: m.data['instance'], ipAddress: m.data['ip'], port: 80, healthState: 'HEALTHY' })),
    };
  },
});
