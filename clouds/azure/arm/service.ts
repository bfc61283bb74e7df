/**
 * Azure Resource Manager: `/subscriptions/…`. Tenancy is the subscription; any `api-version`
 * is accepted (callers pin their own). Subscriptions, resource groups, the provider document
 * with zone mappings, operation status and results, and every resource type the families
 * declare (`defineType`) through the generic handlers of resources.ts.
 */
import type { CallContext, RoutedCall, WireReply, WireRequest } from '../../../core/cloud-api.js';
import type { ResourceInfo } from '../../../core/faults/types.js';
import type { Engine } from '../../../core/engine.js';
import type { TenantStore } from '../../../core/store.js';
import { armError, notFound, subscriptionNotFound } from '../errors.js';
import { SUBSCRIPTION, type SubscriptionData } from '../records.js';
import { OPERATION, operationFailure, operationStatus, pollingHeaders, renderOperationStatus, retryAfterSeconds, type OperationData } from './lro.js';
import { idKey, parseArmPath, rgId, type ArmPath } from './path.js';
import { armType, deleteResource, findResource, getResource, idOf, isArmType, json, listResources, parseBody, putResource, RESOURCE_GROUP, renderResource, requireResourceGroup, type ArmCall } from './resources.js';
import type { Json } from './shapes.js';
import { embeddedType, isEmbeddedType, serveEmbedded } from './embedded.js';
import { providerDocument } from '../compute/provider.js';

export interface ArmRouted extends RoutedCall {
  kind: 'arm';
  path: ArmPath;
}

export function identifyArm(req: WireRequest): ArmRouted | undefined {
  const path = parseArmPath(req.path, (key) => isArmType(key) || isEmbeddedType(key));
  if (!path) return undefined;
  return { kind: 'arm', service: serviceOf(path), operation: operationOf(req.method, path), tenant: 'sub' in path ? path.sub : undefined, path };
}

function serviceOf(p: ArmPath): string {
  if (p.kind === 'resource' || p.kind === 'provider' || p.kind === 'operation') return p.namespace.replace(/^microsoft\./i, '').toLowerCase() === 'network' ? 'network' : p.namespace.replace(/^microsoft\./i, '').toLowerCase();
  return 'resources';
}

/** `VirtualMachines_CreateOrUpdate`-style names, as the REST reference calls the operations. */
function operationOf(method: string, p: ArmPath): string {
  const verb = (list: boolean) => (method === 'GET' ? (list ? 'List' : 'Get') : method === 'PUT' ? 'CreateOrUpdate' : method === 'PATCH' ? 'Update' : method === 'DELETE' ? 'Delete' : method === 'HEAD' ? 'CheckExistence' : method);
  switch (p.kind) {
    case 'subscriptions':
      return `Subscriptions_${verb(p.sub === undefined)}`;
    case 'resourceGroups':
      return `ResourceGroups_${verb(p.rg === undefined)}`;
    case 'provider':
      return 'Providers_Get';
    case 'operation':
      return p.collection === 'operations' ? 'OperationStatus_Get' : 'OperationResults_Get';
    case 'resource': {
      // The REST reference's operation groups: the last type (`Subnets`), scale-set VMs as `VirtualMachineScaleSetVMs`.
      const last = p.types.length >= 2 && p.types[p.types.length - 1]!.toLowerCase() === 'virtualmachines' && p.types[p.types.length - 2]!.toLowerCase() === 'virtualmachinescalesets' ? 'virtualMachineScaleSetVMs' : p.types[p.types.length - 1]!;
      const family = last[0]!.toUpperCase() + last.slice(1);
      if (p.action) return `${family}_${p.action[0]!.toUpperCase()}${p.action.slice(1)}`;
      return `${family}_${verb(p.names.length < p.types.length)}`;
    }
  }
}

export function baseUrl(req: WireRequest): string {
  const host = req.headers['x-forwarded-host'] ?? req.headers.host ?? '127.0.0.1';
  return `${req.secure ? 'https' : 'http'}://${Array.isArray(host) ? host[0] : host}`;
}

export async function serveArm(engine: Engine, call: ArmRouted, req: WireRequest, ctx: CallContext): Promise<WireReply> {
  const p = call.path;
  const apiVersion = req.query.get('api-version') ?? '';
  if (!apiVersion) throw armError('MissingApiVersionParameter', 400, "The api-version query parameter (?api-version=) is required for all requests.");
  if (p.kind === 'subscriptions' && p.sub === undefined) {
    await ctx.gate();
    const subs = engine.store.tenants().filter((t) => t.cloud === 'azure').flatMap((t) => [...t.collection<SubscriptionData>(SUBSCRIPTION).list()]);
    return json(200, { value: subs.map((s) => renderSubscription(s.data)) });
  }
  const tenant = engine.store.findTenant(`azure:${p.sub!.toLowerCase()}`);
  const sub = tenant?.collection<SubscriptionData>(SUBSCRIPTION).all().next().value;
  if (!tenant || !sub) throw subscriptionNotFound(p.sub!);
  const subId = sub.data.subscriptionId;
  const gate = await ctx.gate(() => scopeOf(tenant, p, req));
  return tenant.withHorizon(gate.staleHorizon, () => {
    switch (p.kind) {
      case 'subscriptions':
        return json(200, renderSubscription(sub.data));
      case 'resourceGroups':
        return resourceGroups(tenant, subId, p.rg, req, ctx);
      case 'provider':
        if (req.method !== 'GET') throw armError('InvalidResourceType', 400, `The resource type could not be found in the namespace '${p.namespace}'.`);
        return json(200, providerDocument(tenant, subId, p.namespace));
      case 'operation':
        return operationReply(engine, tenant, subId, p, req, apiVersion);
      case 'resource':
        return resource(engine, tenant, subId, p, req, ctx, gate, apiVersion);
    }
  });
}

/**
 * What the fault gate sees of a call: the resource the path names (its tags and zones, as
 * `eastus-1`), the zones a PUT body asks for, and, for a VM PUT, each data disk it detaches with
 * the tag `fauxcloud.detach: Detach | ForceDetach` (so a drill can fail only plain detaches).
 */
function scopeOf(tenant: TenantStore, p: ArmPath, req: WireRequest): { zones?: string[]; resources?: ResourceInfo[] } {
  if (p.kind !== 'resource' || p.rg === undefined || p.names.length < p.types.length) return {};
  const t = armType(p.namespace, p.types);
  if (!t) return {};
  const id = `/subscriptions/${p.sub}/resourceGroups/${p.rg}/providers/${p.namespace}/${p.types.map((ty, i) => `${ty}/${p.names[i]}`).join('/')}`;
  const rec = findResource(tenant, t, id);
  const body = (req.method === 'PUT' || req.method === 'PATCH') && req.body.length > 0 ? safeJson(req.body) : undefined;
  const location = String(rec?.data['location'] ?? body?.['location'] ?? '').replace(/\s+/g, '').toLowerCase();
  const zoneList = (rec?.data['zones'] ?? body?.['zones']) as unknown;
  const zones = Array.isArray(zoneList) ? zoneList.map((z) => `${location}-${String(z)}`) : [];
  const resources: ResourceInfo[] = [{ id: (rec?.data['id'] as string | undefined) ?? id, tags: rec ? { ...rec.tags } : {}, zone: zones[0] }];
  const disks = ((body?.['properties'] as Json | undefined)?.['storageProfile'] as Json | undefined)?.['dataDisks'];
  if (Array.isArray(disks))
    for (const d of disks as Json[])
      if (d && d['toBeDetached'] === true)
        resources.push({ id: String((d['managedDisk'] as Json | undefined)?.['id'] ?? d['name']), tags: { 'fauxcloud.detach': String(d['detachOption'] ?? '') === 'ForceDetach' ? 'ForceDetach' : 'Detach' } });
  return { zones, resources };
}

function safeJson(body: Buffer): Json | undefined {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

function renderSubscription(s: SubscriptionData): Json {
  return {
    id: `/subscriptions/${s.subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: s.subscriptionId,
    tenantId: s.tenantId,
    displayName: s.displayName,
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
  };
}

function resourceGroups(tenant: TenantStore, sub: string, rg: string | undefined, req: WireRequest, ctx: CallContext): WireReply {
  const c = tenant.collection<Json>(RESOURCE_GROUP);
  if (rg === undefined) return json(200, { value: c.list().map((r) => r.data) });
  const key = idKey(rgId(sub, rg));
  const rec = c.get(key);
  ctx.touch(rgId(sub, rg));
  switch (req.method) {
    case 'HEAD':
      return { status: rec ? 204 : 404, headers: {}, body: '' };
    case 'GET':
      if (!rec) throw armError('ResourceGroupNotFound', 404, `Resource group '${rg}' could not be found.`);
      return json(200, rec.data);
    case 'PUT': {
      const body = parseBody(req);
      if (typeof body['location'] !== 'string') throw armError('LocationRequired', 400, 'The location property is required for this definition.');
      const data: Json = { id: rgId(sub, rg), name: rg, type: 'Microsoft.Resources/resourceGroups', location: String(body['location']).replace(/\s+/g, '').toLowerCase(), tags: body['tags'] ?? {}, properties: { provisioningState: 'Succeeded' } };
      if (rec) {
        rec.data = { ...data, name: rec.data['name'] };
        return json(200, rec.data);
      }
      c.insert({ id: key, data });
      return json(201, data);
    }
    case 'DELETE': {
      if (!rec) return { status: 204, headers: {}, body: '' };
      for (const type of tenant.collectionTypes()) {
        if (!type.startsWith('azure.microsoft.')) continue;
        const col = tenant.collection<Json>(type);
        for (const r of [...col.all()]) if (r.id.startsWith(`${key}/`)) col.delete(r.id);
      }
      c.delete(key);
      return { status: 200, headers: {}, body: '' };
    }
    default:
      throw armError('MethodNotAllowed', 405, `The requested resource does not support http method '${req.method}'.`);
  }
}

function operationReply(engine: Engine, tenant: TenantStore, sub: string, p: Extract<ArmPath, { kind: 'operation' }>, req: WireRequest, apiVersion: string): WireReply {
  const rec = tenant.collection<OperationData>(OPERATION).get(p.id);
  if (!rec) throw armError('NotFound', 404, `The operation '${p.id}' could not be found.`);
  const status = operationStatus(rec);
  const wait: Record<string, string> = status === 'InProgress' ? { 'retry-after': String(retryAfterSeconds(engine, rec)) } : {};
  if (p.collection === 'operations') return json(200, renderOperationStatus(rec), wait);
  if (status === 'InProgress') return { status: 202, headers: { ...pollingHeaders(baseUrl(req), sub, rec, apiVersion), ...wait }, body: '' };
  if (status === 'Failed') throw operationFailure(rec);
  if (rec.data.result === 'none') return { status: 204, headers: {}, body: '' };
  const [namespace] = rec.data.resourceType.split('/');
  const t = armType(namespace!, rec.data.resourceType.split('/').slice(1));
  const res = t ? tenant.collection<Json>(`azure.${rec.data.resourceType}`).get(rec.data.resourceId) : undefined;
  if (!t || !res) return { status: 204, headers: {}, body: '' };
  return json(200, renderResource(pseudoCall(engine, tenant, sub, req), t, res));
}

function pseudoCall(engine: Engine, tenant: TenantStore, sub: string, req: WireRequest): ArmCall {
  return { engine, tenant, sub, rg: '', namespace: '', types: [], names: [], req, base: baseUrl(req), apiVersion: '', gate: {}, ctx: { engine, requestId: '', touch: () => undefined, gate: async () => ({}) } };
}

function resource(engine: Engine, tenant: TenantStore, sub: string, p: Extract<ArmPath, { kind: 'resource' }>, req: WireRequest, ctx: CallContext, gate: ArmCall['gate'], apiVersion: string): WireReply | Promise<WireReply> {
  const child = p.rg !== undefined && !p.action ? embeddedType(p.namespace, p.types) : undefined;
  if (child) {
    const call: ArmCall = { engine, tenant, ctx, req, gate, sub, rg: p.rg!, namespace: child.parent.namespace, types: [...child.parent.types, child.segment], names: p.names, base: baseUrl(req), apiVersion };
    return serveEmbedded(call, child);
  }
  const t = armType(p.namespace, p.types);
  if (!t) throw armError('InvalidResourceType', 404, `The resource type '${p.types.join('/')}' could not be found in the namespace '${p.namespace}' for api version '${apiVersion}'.`);
  const call: ArmCall = { engine, tenant, ctx, req, gate, sub, rg: p.rg ?? '', namespace: t.namespace, types: [...t.types], names: p.names, action: p.action, base: baseUrl(req), apiVersion };
  const isCollection = p.names.length < p.types.length;
  if (p.rg === undefined) {
    if (isCollection && p.types.length === 1 && t.subscriptionList && req.method === 'GET') return listResources(call, t);
    throw armError('InvalidResourceType', 404, `The resource type '${p.types.join('/')}' could not be found at subscription scope.`);
  }
  if (p.action) {
    const action = t.actions?.[p.action.toLowerCase()];
    const rec = findResource(tenant, t, `/subscriptions/${sub}/resourceGroups/${p.rg}/providers/${t.namespace}/${t.types.map((ty, i) => `${ty}/${p.names[i]}`).join('/')}`);
    if (!action) throw armError('InvalidResourceType', 404, `The resource type '${p.types.join('/')}/${p.action}' could not be found in the namespace '${p.namespace}'.`);
    if (!rec) {
      requireResourceGroup(tenant, sub, p.rg);
      throw notFound(`${t.namespace}/${t.types.join('/')}`, p.names.join('/'), p.rg);
    }
    return action(call, rec);
  }
  if (isCollection) {
    if (req.method !== 'GET') throw armError('MethodNotAllowed', 405, `The requested resource does not support http method '${req.method}'.`);
    return listResources(call, t);
  }
  switch (req.method) {
    case 'HEAD':
      // CheckExistence: 204 or 404 with no body, as ARM answers it.
      return { status: findResource(tenant, t, idOf(call, t)) ? 204 : 404, headers: {}, body: '' };
    case 'GET':
      return getResource(call, t);
    case 'PUT':
      return putResource(call, t, 'PUT');
    case 'PATCH':
      return putResource(call, t, 'PATCH');
    case 'DELETE':
      return deleteResource(call, t);
    default:
      throw armError('MethodNotAllowed', 405, `The requested resource does not support http method '${req.method}'.`);
  }
}

