/**
 * Azure Instance Metadata Service (IMDS) for one VM: `/metadata/instance` (the whole document
 * or a path inside it, `format=json|text`), `/metadata/loadbalancer`, and managed identity
 * tokens (`/metadata/identity/oauth2/token`, and the App Service form a component uses with
 * `IDENTITY_ENDPOINT`/`IDENTITY_HEADER`, served at `/msi/token`). The VM comes from
 * `X-Fauxcloud-Instance` (VM name, or `{scaleSet}_{instanceId}`) or is the default
 * subscription's first VM; core's pinned listeners give a VM a port of its own.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { CloudError } from '../../../core/errors.js';
import { idKey, parseResourceId } from '../arm/path.js';
import { props } from '../arm/resources.js';
import type { Json } from '../arm/shapes.js';
import { accessToken } from '../aad/entra.js';
import { SUBSCRIPTION, type SubscriptionData } from '../records.js';

export const INSTANCE_HEADER = 'x-fauxcloud-instance';
const VMS = 'azure.microsoft.compute/virtualmachines';
const SS_VMS = 'azure.microsoft.compute/virtualmachinescalesets/virtualmachines';

export interface AzureVm {
  tenant: TenantStore;
  record: ResourceRecord<Json>;
}

export function findAzureVm(engine: Engine, headers: IncomingHttpHeaders, defaultSub: () => string | undefined): AzureVm | undefined {
  const wanted = headers[INSTANCE_HEADER];
  const tenants = engine.store.tenants().filter((t) => t.cloud === 'azure');
  if (typeof wanted === 'string') {
    const w = wanted.toLowerCase();
    for (const tenant of tenants)
      for (const type of [VMS, SS_VMS])
        for (const record of tenant.collection<Json>(type).all())
          if (String(record.data['name']).toLowerCase() === w || record.id === w || String(props(record.data)['vmId']) === w || computerName(record).toLowerCase() === w) return { tenant, record };
    return undefined;
  }
  const sub = defaultSub();
  const tenant = tenants.find((t) => t.id === sub) ?? tenants[0];
  const record = tenant?.collection<Json>(VMS).all().next().value;
  return tenant && record ? { tenant, record } : undefined;
}

const computerName = (rec: ResourceRecord<Json>): string => String(((props(rec.data)['osProfile'] as Json | undefined)?.['computerName']) ?? rec.data['name']);

export const imdsError = (status: number, message: string): CloudError => new CloudError(status === 404 ? 'NotFound' : 'BadRequest', status, message, { imds: true });

function requireMetadataHeader(headers: IncomingHttpHeaders): void {
  if (String(headers['metadata'] ?? '').toLowerCase() !== 'true') throw imdsError(400, 'Required metadata header not specified');
  if (headers['x-forwarded-for'] !== undefined) throw imdsError(400, 'Request contains header X-Forwarded-For and is therefore rejected.');
}

function requireApiVersion(query: URLSearchParams): void {
  if (!query.get('api-version')) throw imdsError(400, 'Bad request. api-version was not specified in the request. For more information refer to aka.ms/azureimds');
}

/** The instance document, as `GET /metadata/instance?api-version=2021-10-01` answers it. */
export function instanceDocument(vm: AzureVm): Json {
  const d = vm.record.data;
  const p = props(d);
  const parsed = parseResourceId(d['id'] as string)!;
  const sub = vm.tenant.collection<SubscriptionData>(SUBSCRIPTION).all().next().value?.data;
  const tags = Object.entries((d['tags'] ?? {}) as Record<string, string>);
  const image = ((p['storageProfile'] as Json | undefined)?.['imageReference'] ?? {}) as Json;
  const scaleSet = parsed.types[0]!.toLowerCase() === 'virtualmachinescalesets' ? parsed.names[0] : undefined;
  return {
    compute: {
      azEnvironment: 'AzurePublicCloud',
      location: d['location'],
      name: d['name'],
      offer: image['offer'] ?? '',
      osType: 'Linux',
      placementGroupId: '',
      platformFaultDomain: String(d['_faultDomain'] ?? 0),
      platformSubFaultDomain: '',
      platformUpdateDomain: '0',
      provider: 'Microsoft.Compute',
      publisher: image['publisher'] ?? '',
      resourceGroupName: parsed.rg,
      resourceId: d['id'],
      sku: image['sku'] ?? '',
      subscriptionId: sub?.subscriptionId ?? parsed.sub,
      tags: tags.map(([k, v]) => `${k}:${v}`).join(';'),
      tagsList: tags.map(([name, value]) => ({ name, value })),
      userData: '',
      version: image['exactVersion'] ?? image['version'] ?? '',
      vmId: p['vmId'],
      vmScaleSetName: scaleSet ?? '',
      vmSize: ((p['hardwareProfile'] as Json | undefined)?.['vmSize'] ?? (d['sku'] as Json | undefined)?.['name']) as string,
      zone: ((d['zones'] as string[] | undefined) ?? [])[0] ?? '',
    },
    network: { interface: nics(vm).map(interfaceOf) },
  };
}

function nics(vm: AzureVm): ResourceRecord<Json>[] {
  const refs = (((props(vm.record.data)['networkProfile'] as Json | undefined)?.['networkInterfaces'] ?? []) as Json[]).map((n) => n['id'] as string);
  const out: ResourceRecord<Json>[] = [];
  for (const id of refs) {
    const rec = vm.tenant.collection<Json>('azure.microsoft.network/networkinterfaces').peek(idKey(id)) ?? vm.tenant.collection<Json>('azure.microsoft.compute/virtualmachinescalesets/virtualmachines/networkinterfaces').peek(idKey(id));
    if (rec) out.push(rec);
  }
  return out;
}

function interfaceOf(nic: ResourceRecord<Json>): Json {
  const p = props(nic.data);
  const configs = (p['ipConfigurations'] ?? []) as Json[];
  const v4 = configs.map((c) => c['properties'] as Json).filter((c) => (c['privateIPAddressVersion'] ?? 'IPv4') === 'IPv4');
  return {
    ipv4: {
      ipAddress: v4.map((c) => ({ privateIpAddress: c['privateIPAddress'], publicIpAddress: '' })),
      subnet: v4.slice(0, 1).map(() => ({ address: '', prefix: '' })),
    },
    ipv6: { ipAddress: [] },
    macAddress: String(p['macAddress'] ?? '').replace(/-/g, ''),
  };
}

/** A path inside the instance document (`compute/location`), JSON or text. */
export function serveInstance(vm: AzureVm | undefined, headers: IncomingHttpHeaders, query: URLSearchParams, sub: string): { body: string; contentType: string } {
  requireMetadataHeader(headers);
  requireApiVersion(query);
  if (!vm) throw imdsError(404, 'Instance metadata is not available: no VM in this scenario.');
  let node: unknown = instanceDocument(vm);
  for (const part of sub.split('/').filter(Boolean)) {
    if (Array.isArray(node) && /^\d+$/.test(part)) node = node[Number(part)];
    else if (node && typeof node === 'object') node = (node as Json)[part];
    else node = undefined;
    if (node === undefined) throw imdsError(404, 'Not found');
  }
  const format = query.get('format') ?? (node !== null && typeof node === 'object' ? 'json' : 'text');
  if (format === 'text') {
    if (node !== null && typeof node === 'object') throw imdsError(400, 'Bad request. Format text is not supported for this path.');
    return { body: String(node), contentType: 'text/plain; charset=utf-8' };
  }
  return { body: JSON.stringify(node), contentType: 'application/json; charset=utf-8' };
}

/** `/metadata/loadbalancer`: public frontends that route to this VM (none unless a LB names it). */
export function serveLoadBalancer(vm: AzureVm | undefined, headers: IncomingHttpHeaders, query: URLSearchParams, publicFrontends: (vm: AzureVm) => Array<{ frontendIpAddress: string; privateIpAddress: string }>): string {
  requireMetadataHeader(headers);
  requireApiVersion(query);
  if (!vm) throw imdsError(404, 'Instance metadata is not available: no VM in this scenario.');
  return JSON.stringify({ loadbalancer: { publicIpAddresses: publicFrontends(vm), inboundRules: [], outboundRules: [] } });
}

/** Managed identity: the VM's system-assigned identity (any client_id / msi_res_id is accepted). */
export function managedIdentityToken(engine: Engine, vm: AzureVm | undefined, headers: IncomingHttpHeaders, query: URLSearchParams, appService: boolean): Json {
  if (appService) {
    if (!headers['x-identity-header']) throw imdsError(400, 'Required header X-IDENTITY-HEADER not specified');
  } else requireMetadataHeader(headers);
  requireApiVersion(query);
  const resource = query.get('resource');
  if (!resource) throw new CloudError('invalid_request', 400, 'Required audience parameter not specified', { imds: true, oauth: true });
  if (!vm) throw new CloudError('invalid_request', 400, 'Identity not found', { imds: true, oauth: true });
  const sub = vm.tenant.collection<SubscriptionData>(SUBSCRIPTION).all().next().value?.data;
  const clientId = query.get('client_id') ?? query.get('msi_res_id') ?? query.get('mi_res_id') ?? String(props(vm.record.data)['vmId']);
  const now = Math.floor(engine.clock.now() / 1000);
  const lifetime = 86399;
  const aud = resource.replace(/\/\.default$/, '');
  const token = accessToken(engine, { aud, tid: sub?.tenantId ?? '', appid: clientId, oid: String(props(vm.record.data)['vmId']), lifetime });
  return { access_token: token, client_id: clientId, expires_in: String(lifetime), expires_on: String(now + lifetime), ext_expires_in: String(lifetime), not_before: String(now), resource, token_type: 'Bearer' };
}
