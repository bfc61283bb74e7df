/**
 * vSphere as a fastify plugin: one vCenter ("vcenter" tenant) with vim25 SOAP on /sdk (and its
 * service-version files), vAPI REST on /rest and /api, CNS and vSAN on /vsanHealth and PBM on /pbm.
 * Inventory comes from `seed.vsphere`; tasks run on the lifecycle engine (`vsphere.task`).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { CloudPluginOptions } from '../../core/app.js';
import type { CloudApi, ConnectionInfo, ListenerUrls, RoutedCall, WireReply, WireRequest } from '../../core/cloud-api.js';
import { CloudError } from '../../core/errors.js';
import { injectedFault, VimFault } from './faults.js';
import { vsphereComponents } from './components.js';
import { TENANT } from './inventory.js';
import { VIM_METHODS } from './mo/methods.js';
import { CNS_METHODS } from './cns/volume-manager.js';
import { PBM_METHODS, PBM_OBJECTS } from './pbm/profile-manager.js';
import { VSAN_METHODS } from './vsan/cluster-config.js';
import { CNS_SNAPSHOT_METHODS } from './cns/snapshots.js';
import { CNS_RELOCATE_METHODS } from './cns/relocate-sync.js';
import { VSLM_METHODS, vslmObjectType } from './vslm/global-object-manager.js';

const VSAN_HEALTH_METHODS = { ...CNS_METHODS, ...CNS_SNAPSHOT_METHODS, ...CNS_RELOCATE_METHODS, ...VSAN_METHODS };
import { defineTaskMachine } from './mo/task.js';
import { identifyRest, restError, serveRest, type RestCall } from './rest/service.js';
import { VsphereRuntime } from './runtime.js';
import { applyVsphereSeed, DEFAULT_USER, validateVsphereSeed, VsphereSeedSchema } from './seed.js';
import { identifySoap, serveSoap, type SoapCall } from './soap-service.js';
import { API_VERSION } from './mo/about.js';
import { SOAP_CONTENT_TYPE, soapFault } from './wire/soap.js';

type VersionsCall = RoutedCall & { kind: 'versions'; file: string };
type VsphereCall = SoapCall | RestCall | VersionsCall;

const VERSION_FILES: Record<string, string> = {
  '/sdk/vimServiceVersions.xml': 'urn:vim25',
  '/sdk/vsanServiceVersions.xml': 'urn:vsan',
};

function versionsXml(ns: string): string {
  const prior = ['8.0.2.0', '8.0.1.0', '8.0.0.0', '7.0.3.0', '7.0.2.0', '7.0.1.0', '7.0.0.0', '6.7.3', '6.7'].map((v) => `<version>${v}</version>`).join('');
  return `<?xml version="1.0" encoding="UTF-8" ?>\n<namespaces version="1.0">\n<namespace>\n<name>${ns}</name>\n<version>${API_VERSION}</version>\n<priorVersions>${prior}</priorVersions>\n</namespace>\n</namespaces>\n`;
}

/** The SOAP endpoints and the namespace each one answers in. */
const SOAP_ENDPOINTS: Readonly<Record<string, string>> = { '/sdk': 'urn:vim25', '/sdk/': 'urn:vim25', '/pbm': 'urn:pbm', '/pbm/sdk': 'urn:pbm', '/vsanHealth': 'urn:vsan' };

const vspherePlugin: FastifyPluginAsync<CloudPluginOptions> = async (_app, { engine }) => {
  const rt = new VsphereRuntime(engine);
  defineTaskMachine(engine, rt);

  const api: CloudApi<VsphereCall> = {
    name: 'vsphere',
    // Path matchers, before AWS's catch-all `POST /`.
    priority: 40,

    identify(req: WireRequest): VsphereCall | undefined {
      const p = req.path;
      if (p === '/sdk' || p === '/sdk/') return req.method === 'POST' ? identifySoap(req, 'vim25', 'urn:vim25', TENANT) : undefined;
      if (p === '/pbm' || p === '/pbm/sdk') return req.method === 'POST' ? identifySoap(req, 'pbm', 'urn:pbm', TENANT) : undefined;
      if (p === '/vsanHealth') return req.method === 'POST' ? identifySoap(req, 'cns', 'urn:vsan', TENANT) : undefined;
      if (p === '/vslm/sdk') return req.method === 'POST' ? identifySoap(req, 'vslm', 'urn:vslm', TENANT) : undefined;
      const ns = VERSION_FILES[p];
      if (ns) return { kind: 'versions', service: 'vim25', operation: 'ServiceVersions', tenant: TENANT, file: ns };
      if (p === '/rest' || p.startsWith('/rest/') || p === '/api' || p.startsWith('/api/')) return identifyRest(req, TENANT);
      return undefined;
    },

    async handle(call, req, ctx): Promise<WireReply> {
      if (call.kind === 'versions') {
        await ctx.gate();
        return { status: 200, headers: { 'content-type': 'text/xml' }, body: versionsXml(call.file) };
      }
      if (call.kind === 'rest') return serveRest(engine, rt, call, req, ctx);
      if (call.service === 'pbm') return serveSoap(engine, rt, PBM_METHODS, call, req, ctx, PBM_OBJECTS);
      if (call.service === 'vslm') return serveSoap(engine, rt, VSLM_METHODS, call, req, ctx, vslmObjectType);
      return serveSoap(engine, rt, call.service === 'cns' ? VSAN_HEALTH_METHODS : VIM_METHODS, call, req, ctx);
    },

    renderError(err, call, requestId): WireReply {
      if (call?.kind === 'rest') return restError(err, call);
      const f = err instanceof VimFault ? err : new VimFault({ _type: 'SystemError', reason: err.code }, err.status >= 500 ? 'A general system error occurred.' : err.message);
      const ns = call?.kind === 'soap' ? call.ns : 'urn:vim25';
      return { status: 500, headers: { 'content-type': SOAP_CONTENT_TYPE, 'x-request-id': requestId }, body: soapFault(f.fault, f.message, ns), errorCode: f.code };
    },

    exportRuntime: () => rt.exportRuntime(),
    importRuntime: (doc) => {
      rt.importRuntime(doc);
      rt.changed();
    },

    renderHttpRefusal(kind, req, call, requestId) {
      if (call?.kind === 'rest') return undefined;
      const ns = call?.kind === 'soap' ? call.ns : SOAP_ENDPOINTS[req.path];
      if (!ns) return undefined;
      // The HTTP status says what went wrong (govmomi reports a status other than 500 as it is:
      // 413, or 405 with Allow for any method but POST); the body is the vim25 InvalidRequest
      // fault a SOAP client can read.
      const message = kind === 'tooLarge' ? 'The request body is too large.' : `${req.method} is not supported on ${req.path}: SOAP requests are POSTed.`;
      const headers: Record<string, string> = { 'content-type': SOAP_CONTENT_TYPE, 'x-request-id': requestId };
      if (kind === 'notFound') headers['allow'] = 'POST';
      return { status: kind === 'tooLarge' ? 413 : 405, headers, body: soapFault({ _type: 'InvalidRequest' }, message, ns), errorCode: 'InvalidRequest' };
    },

    faultError(err, call): CloudError {
      if (call.kind === 'rest') return new CloudError(err.code || 'ServiceUnavailable', err.status ?? 503, err.message ?? err.code);
      const f = injectedFault(err);
      // An injected NotAuthenticated is a session that expired: the caller must log in again.
      if (f.code === 'NotAuthenticated' && call.kind === 'soap' && call.sessionKey) rt.endSession(call.sessionKey);
      return f;
    },

    seedSchema: VsphereSeedSchema,
    validateSeed: validateVsphereSeed,
    applySeed: (section, eng, onlyTenant) => {
      applyVsphereSeed(section, eng, onlyTenant);
      rt.changed();
    },
    connection: (where) => vsphereConnection(where),
  };
  engine.clouds.register(api);
};

/** GOVC_* for govc and govmomi programs; vsphere.conf (CPI) and csi-vsphere.conf (CSI) keys. */
export function vsphereConnection(where: ListenerUrls): ConnectionInfo {
  const base = where.httpsUrl ?? where.httpUrl.replace(/^http:/, 'https:');
  const u = new URL(base);
  const host = u.hostname;
  const port = u.port || '443';
  const trust: Record<string, string> = where.caPath ? { GOVC_TLS_CA_CERTS: where.caPath } : { GOVC_INSECURE: '1' };
  const section = `VirtualCenter "${host}"`;
  const common = {
    [`${section}.port`]: port,
    [`${section}.user`]: DEFAULT_USER.name,
    [`${section}.password`]: DEFAULT_USER.password,
    [`${section}.datacenters`]: 'dc1',
  };
  return {
    urls: { sdk: `${base}/sdk`, rest: `${base}/rest`, api: `${base}/api`, pbm: `${base}/pbm`, vsanHealth: `${base}/vsanHealth`, vslm: `${base}/vslm/sdk` },
    env: { GOVC_URL: `${base}/sdk`, GOVC_USERNAME: DEFAULT_USER.name, GOVC_PASSWORD: DEFAULT_USER.password, GOVC_DATACENTER: 'dc1', ...trust },
    config: {
      'vsphere.conf': { ...common, [`${section}.insecure-flag`]: !where.caPath, ...(where.caPath ? { [`${section}.ca-file`]: where.caPath } : {}), 'Labels.zone': 'k8s-zone', 'Labels.region': 'k8s-region' },
      'csi-vsphere.conf': { 'Global.cluster-id': 'fauxcloud', ...common, [`${section}.insecure-flag`]: !where.caPath, ...(where.caPath ? { [`${section}.ca-file`]: where.caPath } : {}) },
    },
    tenant: TENANT,
    credentials: { username: DEFAULT_USER.name, password: DEFAULT_USER.password },
    notes: [
      'vSphere clients speak HTTPS only: use the HTTPS listener with its CA (ca-file / GOVC_TLS_CA_CERTS), the leaf thumbprint, or insecure-flag.',
      'The default scenario has datacenter dc1 with cluster cluster1; zone/region tag categories k8s-zone and k8s-region.',
    ],
    components: vsphereComponents({ host, port: Number(port), user: DEFAULT_USER.name, password: DEFAULT_USER.password, datacenter: 'dc1', caPath: where.caPath }),
  };
}

export default vspherePlugin;
