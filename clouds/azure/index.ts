/**
 * Azure as a fastify plugin: Azure Resource Manager (`/subscriptions/…`, arm/ with the Compute
 * and Network families), cloud discovery (`/metadata/endpoints`), Entra ID (aad/), the instance
 * metadata service with managed identity (imds/) and ACR's token exchange (acr.ts). Tenancy is
 * the subscription. ARM answers and errors follow the official SDK models (arm/shapes.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { CloudPluginOptions } from '../../core/app.js';
import type { CloudApi, ConnectionInfo, ListenerUrls, RoutedCall, WireReply, WireRequest } from '../../core/cloud-api.js';
import { CloudError } from '../../core/errors.js';
import { defineOperationMachine } from './arm/lro.js';
import { identifyArm, serveArm, type ArmRouted } from './arm/service.js';
import { AzureAuthSchema, verifyArmRequest } from './auth.js';
import { clientCredentials, identifyAad, instanceDiscovery, jwks, openIdConfiguration, type AadOperation } from './aad/entra.js';
import { identifyAcr, serveAcr, type AcrRouted } from './acr.js';
import { cloudEndpoints } from './discovery.js';
import { armHttpRefusal, azureFaultError, renderArmError } from './errors.js';
import { findAzureVm, managedIdentityToken, serveInstance, serveLoadBalancer } from './imds/metadata.js';
import { publicFrontendsOf } from './network/load-balancers.js';
import { azureComponents } from './components.js';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_SUBSCRIPTION, DEFAULT_TENANT_ID, SUBSCRIPTION, type SubscriptionData } from './records.js';
import { applyAzureSeed, AzureSeedSchema, validateAzureSeed } from './seed.js';
import './compute/disks.js';
import './compute/snapshots.js';
import './compute/virtual-machines.js';
import './compute/scale-sets.js';
import './network/resources.js';
import './network/load-balancers.js';

type AzureCall =
  | ArmRouted
  | AcrRouted
  | (RoutedCall & { kind: 'aad'; aad: AadOperation; aadTenant: string; v2: boolean })
  | (RoutedCall & { kind: 'imds'; path: string })
  | (RoutedCall & { kind: 'discovery' });

const JSON_TYPE = 'application/json; charset=utf-8';
/** Resource Manager's own paths: whatever no route serves under them is ARM's to refuse. */
const ARM_PATH = /^\/(?:subscriptions|providers|tenants)(?:\/|$)/i;

const azurePlugin: FastifyPluginAsync<CloudPluginOptions> = async (_app, { engine }) => {
  defineOperationMachine(engine);
  const defaultSub = () => (engine.store.findTenant(`azure:${DEFAULT_SUBSCRIPTION}`) ? DEFAULT_SUBSCRIPTION : undefined);

  const api: CloudApi<AzureCall> = {
    name: 'azure',
    // Path matchers (subscriptions, metadata, tenants' oauth2 paths) before AWS's catch-all `POST /`.
    priority: 45,

    identify(req: WireRequest): AzureCall | undefined {
      const acr = identifyAcr(req);
      if (acr) return acr;
      const arm = identifyArm(req);
      if (arm) return arm;
      if (req.path === '/metadata/endpoints') return { kind: 'discovery', service: 'arm', operation: 'GetCloudEndpoints' };
      if (req.path.startsWith('/metadata/') || req.path === '/msi/token') {
        const vm = findAzureVm(engine, req.headers, defaultSub);
        const operation = req.path === '/msi/token' || req.path.startsWith('/metadata/identity/') ? 'GetToken' : req.path.startsWith('/metadata/loadbalancer') ? 'GetLoadBalancerMetadata' : 'GetInstanceMetadata';
        return { kind: 'imds', service: 'imds', operation, path: req.path, tenant: vm?.tenant.id, region: vm?.record.data['location'] as string | undefined };
      }
      const aad = identifyAad(req);
      if (aad) return { kind: 'aad', service: 'aad', operation: aad.operation, aad: aad.operation, aadTenant: aad.tenant, v2: aad.v2 };
      return undefined;
    },

    async handle(call, req, ctx): Promise<WireReply> {
      switch (call.kind) {
        case 'arm':
          // Strict auth covers Resource Manager; Entra ID and managed identity are where tokens come from.
          if (engine.auth.strict) verifyArmRequest(engine, req);
          return serveArm(engine, call, req, ctx);
        case 'acr':
          return serveAcr(engine, call, req, ctx);
        case 'discovery':
          await ctx.gate();
          return { status: 200, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(cloudEndpoints(req, engine.listeners.httpsUrl)) };
        case 'aad': {
          await ctx.gate();
          let body: unknown;
          if (call.aad === 'OpenIdConfiguration') body = openIdConfiguration(req, call.aadTenant, call.v2 || call.aadTenant.toLowerCase() !== 'adfs');
          else if (call.aad === 'InstanceDiscovery') body = instanceDiscovery(req);
          else if (call.aad === 'Keys') body = jwks();
          else body = clientCredentials(engine, req, call.aadTenant, call.aad === 'Token' || call.aadTenant.toLowerCase() === 'adfs');
          return { status: 200, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store, no-cache' }, body: JSON.stringify(body) };
        }
        case 'imds': {
          const vm = findAzureVm(engine, req.headers, defaultSub);
          if (vm) ctx.touch(vm.record.data['id'] as string);
          await ctx.gate(() => (vm ? { zones: ((vm.record.data['zones'] as string[] | undefined) ?? []).map((z) => `${vm.record.data['location'] as string}-${z}`), resources: [{ id: vm.record.data['id'] as string, tags: { ...vm.record.tags } }] } : {}));
          if (req.method !== 'GET') throw new CloudError('BadRequest', 405, 'Method not allowed', { imds: true });
          if (call.operation === 'GetToken') return { status: 200, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(managedIdentityToken(engine, vm, req.headers, req.query, call.path === '/msi/token')) };
          if (call.operation === 'GetLoadBalancerMetadata') return { status: 200, headers: { 'content-type': JSON_TYPE }, body: serveLoadBalancer(vm, req.headers, req.query, (v) => publicFrontendsOf(v.tenant, v.record)) };
          if (call.path !== '/metadata/instance' && !call.path.startsWith('/metadata/instance/')) throw new CloudError('NotFound', 404, 'Not found', { imds: true });
          const r = serveInstance(vm, req.headers, req.query, call.path.slice('/metadata/instance'.length));
          return { status: 200, headers: { 'content-type': r.contentType }, body: r.body };
        }
      }
    },

    renderError(err, call, requestId) {
      if (err.details['aad']) {
        const body = { error: err.code, error_description: `${err.message}\r\nTrace ID: ${requestId}\r\nCorrelation ID: ${requestId}\r\nTimestamp: ${new Date(engine.clock.now()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`, error_codes: [err.details['aadCode']], timestamp: new Date(engine.clock.now()).toISOString(), trace_id: requestId, correlation_id: requestId };
        return { status: err.status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(body), errorCode: err.code };
      }
      if (err.details['imds'] || call?.kind === 'imds') {
        const body = err.details['oauth'] ? { error: err.code, error_description: err.message } : { error: err.message };
        return { status: err.status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(body), errorCode: err.code };
      }
      if (call?.kind === 'acr') return { status: err.status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify({ errors: [{ code: err.code, message: err.message, detail: null }] }), errorCode: err.code };
      return renderArmError(err, requestId);
    },

    faultError: (err) => azureFaultError(err),
    renderHttpRefusal(kind, req, call, requestId) {
      // Identified calls other than ARM's get renderError's 413 in their own shape (IMDS, ACR, Entra ID).
      if (call) return call.kind === 'arm' || call.kind === 'discovery' ? armHttpRefusal(kind, req.path, req.query.get('api-version'), requestId) : undefined;
      const host = String(req.headers.host ?? '').toLowerCase().replace(/:\d*$/, '');
      if (!ARM_PATH.test(req.path) && host !== 'management.azure.com') return undefined;
      return armHttpRefusal(kind, req.path, req.query.get('api-version'), requestId);
    },
    seedSchema: AzureSeedSchema,
    authSchema: AzureAuthSchema,
    validateSeed: validateAzureSeed,
    applySeed: (section, eng, onlyTenant) => applyAzureSeed(section, eng, onlyTenant),
    connection: (where) => connection(where, defaultSubscription()),
  };

  function defaultSubscription(): SubscriptionData | undefined {
    const tenant = engine.store.findTenant(`azure:${DEFAULT_SUBSCRIPTION}`) ?? engine.store.tenants().find((t) => t.cloud === 'azure');
    return tenant?.collection<SubscriptionData>(SUBSCRIPTION).all().next().value?.data;
  }
  engine.clouds.register(api);
};

function connection(where: ListenerUrls, sub: SubscriptionData | undefined): ConnectionInfo {
  const http = where.httpUrl.replace(/\/$/, '');
  const https = where.httpsUrl?.replace(/\/$/, '');
  const tenantId = sub?.tenantId ?? DEFAULT_TENANT_ID;
  const subscriptionId = sub?.subscriptionId ?? DEFAULT_SUBSCRIPTION;
  const env: Record<string, string> = {
    AZURE_TENANT_ID: tenantId,
    AZURE_CLIENT_ID: DEFAULT_CLIENT_ID,
    AZURE_CLIENT_SECRET: DEFAULT_CLIENT_SECRET,
    AZURE_SUBSCRIPTION_ID: subscriptionId,
    IDENTITY_ENDPOINT: `${http}/msi/token`,
    IDENTITY_HEADER: 'fauxcloud',
  };
  if (https) env['AZURE_AUTHORITY_HOST'] = `${https}/`;
  if (where.caPath) {
    env['SSL_CERT_FILE'] = where.caPath;
    env['NODE_EXTRA_CA_CERTS'] = where.caPath;
  }
  return {
    urls: { resourceManager: `${http}/`, ...(https ? { resourceManagerHttps: `${https}/`, login: `${https}/` } : {}), cloudDiscovery: `${http}/metadata/endpoints?api-version=2019-05-01`, instanceMetadata: `${http}/metadata/instance?api-version=2021-10-01`, managedIdentity: `${http}/metadata/identity/oauth2/token` },
    env,
    config: {
      'azure.json': {
        cloud: 'AzurePublicCloud',
        tenantId,
        subscriptionId,
        resourceManagerEndpoint: `${http}/`,
        aadClientId: DEFAULT_CLIENT_ID,
        aadClientSecret: DEFAULT_CLIENT_SECRET,
        resourceGroup: 'fauxcloud',
        location: 'eastus',
        vmType: 'standard',
        vnetName: 'fauxcloud-vnet',
        subnetName: 'nodes',
        securityGroupName: 'fauxcloud-nsg',
        routeTableName: 'fauxcloud-rt',
        useInstanceMetadata: false,
        useManagedIdentityExtension: false,
      },
    },
    tenant: subscriptionId,
    credentials: { tenantId, clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET },
    notes: [
      'Entra ID must be reached over HTTPS with fauxcloud\'s CA trusted (SSL_CERT_FILE for Go, NODE_EXTRA_CA_CERTS for Node).',
      'MSAL asks login.microsoftonline.com for instance discovery unless the authority is trusted: use tenantId "adfs", the HTTPS proxy, or managed identity (IDENTITY_ENDPOINT/IDENTITY_HEADER).',
      'Instance metadata answers for the VM named by X-Fauxcloud-Instance, else the first VM; POST /_fauxcloud/listeners pins a port to one VM.',
    ],
    components: azureComponents({ http, subscriptionId, caPath: where.caPath }),
  };
}

export default azurePlugin;
