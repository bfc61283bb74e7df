/**
 * OpenStack as a fastify plugin: Keystone v3, Nova, Cinder v3, Neutron, Octavia and Barbican's
 * version root, each under a prefix of its own (`/openstack/identity`, `/openstack/compute/v2.1`,
 * `/openstack/volume/v3/{project_id}`, `/openstack/network`, `/openstack/load-balancer`,
 * `/openstack/key-manager`; other regions under `/openstack/regions/<name>/…`), and the metadata
 * service's `/openstack/<version>/…` tree. Tenancy is the Keystone project of the caller's token.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { CloudPluginOptions } from '../../core/app.js';
import type { CloudApi, RoutedCall, WireReply, WireRequest } from '../../core/cloud-api.js';
import { CloudError } from '../../core/errors.js';
import type { ResourceInfo } from '../../core/faults/types.js';
import { openStackConnection } from './connection.js';
import { computeRoutes } from './compute/index.js';
import { openStackFaultError, renderOpenStackError, UNAUTHORIZED_MESSAGE, type Service } from './errors.js';
import { endpointUrl, type EndpointService } from './identity/catalog.js';
import { identityRoutes } from './identity/keystone.js';
import { cloudTenant, DEFAULT_TOKEN_TTL_SECONDS, validToken } from './identity/tokens.js';
import { findServerFor, METADATA_PATH, serveMetadata } from './metadata/server.js';
import { networkRoutes } from './network/index.js';
import { loadBalancerRoutes } from './loadbalancer/index.js';
import { keyManagerRoutes } from './key-manager.js';
import { OS, type RegionData, type ServerData, type VolumeData } from './records.js';
import { applyOpenStackSeed, OpenStackSeedSchema, validateOpenStackSeed, type OpenStackSeed } from './seed.js';
import type { Handler, OsContext } from './shared/context.js';
import { CINDER, negotiate, NOVA, versionHeaders, type Version } from './shared/microversion.js';
import { RouteTable, type Match } from './shared/routes.js';
import { origin } from './shared/wire.js';
import { defineVolumeMachines } from './volume/machines.js';
import { defineBackupMachine } from './volume/backups.js';
import { volumeRoutes } from './volume/index.js';
import { defineLoadBalancerMachines } from './loadbalancer/machines.js';

type OsCall = RoutedCall &
  ({ kind: 'metadata'; serverId?: string } | { kind: 'api'; svc: Service; region: string; match: Match<Handler>; tokenId?: string; projectId?: string });

const SERVICE_OF: Readonly<Record<string, Service>> = {
  identity: 'identity',
  compute: 'compute',
  volume: 'block-storage',
  network: 'network',
  'load-balancer': 'load-balancer',
  'key-manager': 'key-manager',
};
const API_PATH = /^\/openstack(?:\/regions\/([^/]+))?\/(identity|compute|volume|network|load-balancer|key-manager)(\/.*)?$/;
const NO_VERSION: Version = { major: 0, minor: 0 };

const openStackPlugin: FastifyPluginAsync<CloudPluginOptions> = async (_app, { engine }) => {
  defineVolumeMachines(engine);
  defineBackupMachine(engine);
  defineLoadBalancerMachines(engine);
  const seedSection = () => engine.scenario?.seed['openstack'] as OpenStackSeed | undefined;
  const tables: Record<Service, RouteTable<Handler>> = {
    identity: new RouteTable(identityRoutes({ tokenTtlSeconds: () => seedSection()?.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS })),
    compute: new RouteTable(computeRoutes),
    'block-storage': new RouteTable(volumeRoutes),
    network: new RouteTable(networkRoutes),
    'load-balancer': new RouteTable(loadBalancerRoutes),
    'key-manager': new RouteTable(keyManagerRoutes),
    metadata: new RouteTable([]),
  };
  const defaultProject = () => {
    const first = cloudTenant(engine).collection(OS.project).all().next().value;
    return first?.id;
  };

  const api: CloudApi<OsCall> = {
    name: 'openstack',
    // Path prefixes: before AWS's catch-all `POST /`.
    priority: 40,

    identify(req: WireRequest): OsCall | undefined {
      const m = API_PATH.exec(req.path);
      if (m) {
        const svc = SERVICE_OF[m[2]!]!;
        const region = m[1] ? decodeURIComponent(m[1]) : (cloudTenant(engine).collection<RegionData>(OS.region).all().next().value?.id ?? 'RegionOne');
        const match = tables[svc].match(req.method, m[3] ?? '/');
        const header = req.headers['x-auth-token'];
        const tokenId = typeof header === 'string' ? header : undefined;
        const token = validToken(engine, tokenId);
        const operation = match && 'route' in match ? match.route.op : 'Unknown';
        return { kind: 'api', service: svc, operation, svc, region, match, tokenId, projectId: token?.data.projectId, tenant: token?.data.projectId, };
      }
      if (METADATA_PATH.test(req.path)) {
        const found = findServerFor(engine, req.headers, defaultProject);
        return { kind: 'metadata', service: 'metadata', operation: 'GetMetadata', tenant: found?.tenant.id, region: found?.record.region, serverId: found?.record.id };
      }
      return undefined;
    },

    async handle(call, req, ctx): Promise<WireReply> {
      if (call.kind === 'metadata') {
        const found = findServerFor(engine, req.headers, defaultProject);
        if (found) ctx.touch(found.record.id);
        await ctx.gate(() => (found ? { zones: [found.record.data.zone], resources: [{ id: found.record.id, tags: {}, zone: found.record.data.zone }] } : {}));
        const r = serveMetadata(req.method, req.path, found);
        return { status: r.status, headers: { 'content-type': r.contentType }, body: req.method === 'HEAD' ? '' : r.body, errorCode: r.status >= 400 ? String(r.status) : undefined };
      }
      const cloud = cloudTenant(engine);
      const where = origin(req);
      if (!cloud.collection(OS.region).peek(call.region)) throw new CloudError('NotFound', 404, `Region ${call.region} could not be found.`);
      const m = call.match;
      // keystonemiddleware sits in front of each service's router: without a valid token a path the
      // service does not have is a 401 too, not a 404 that would tell what exists.
      const unauthenticated = () => new CloudError('Unauthorized', 401, UNAUTHORIZED_MESSAGE, { authUri: `${where}/openstack/identity` });
      if (!m || 'methodNotAllowed' in m) if (!validToken(engine, call.tokenId)) throw unauthenticated();
      if (!m) throw new CloudError('NotFound', 404, 'The resource could not be found.');
      if ('methodNotAllowed' in m) throw new CloudError('badMethod', 405, 'The method is not allowed for the requested URL.');
      const token = m.route.anonymous ? undefined : validToken(engine, call.tokenId);
      if (!m.route.anonymous && !token) throw unauthenticated();
      if (token && !token.data.projectId && call.svc !== 'identity') throw new CloudError('Forbidden', 403, 'The request requires a project-scoped token.');
      const pathProject = m.params['project_id'];
      if (token && pathProject !== undefined && pathProject !== token.data.projectId) throw new CloudError('Forbidden', 403, `Policy doesn't allow ${m.route.op} to be performed.`);
      const range = call.svc === 'compute' ? NOVA : call.svc === 'block-storage' ? CINDER : undefined;
      const version = range && !m.route.anonymous ? negotiate(req.headers, range) : NO_VERSION;
      const project = token?.data.projectId ? engine.store.tenant('openstack', token.data.projectId) : undefined;
      const gate = await ctx.gate(() => scopeOf(project, m.params));
      const c: OsContext = {
        engine, req, call: ctx, service: call.svc, params: m.params, query: req.query, region: call.region, origin: where,
        endpoint: (s: EndpointService) => endpointUrl(where, cloud, call.region, s, token?.data.projectId),
        token, project, cloud, version, asyncFailure: gate.asyncFailure,
      };
      const run = () => m.route.handler(c);
      const reply = project && gate.staleHorizon !== undefined ? await project.withHorizon(gate.staleHorizon, run) : await run();
      const headers: Record<string, string> = { 'x-openstack-request-id': `req-${ctx.requestId}`, ...(range && !m.route.anonymous ? versionHeaders(range, version) : {}), ...reply.headers };
      if (call.svc === 'compute') headers['x-compute-request-id'] = `req-${ctx.requestId}`;
      if (reply.body === undefined) return { status: reply.status, headers, body: '' };
      headers['content-type'] = 'application/json';
      return { status: reply.status, headers, body: JSON.stringify(reply.body) };
    },

    renderError(err, call, requestId) {
      return renderOpenStackError(err, call?.kind === 'api' ? call.svc : call?.kind === 'metadata' ? 'metadata' : undefined, `req-${requestId}`);
    },

    faultError: (err) => openStackFaultError(err),
    renderHttpRefusal(kind, req, call, requestId) {
      // oslo's request-size limiter in front of each service says "Request is too large." (413);
      // a path under /openstack no service serves is answered as Keystone, the catalog's root.
      if (!call && !req.path.startsWith('/openstack/') && req.path !== '/openstack') return undefined;
      const err = kind === 'tooLarge' ? new CloudError('RequestEntityTooLarge', 413, 'Request is too large.') : new CloudError('NotFound', 404, 'The resource could not be found.');
      return renderOpenStackError(err, call?.kind === 'api' ? call.svc : call?.kind === 'metadata' ? 'metadata' : undefined, `req-${requestId}`);
    },
    seedSchema: OpenStackSeedSchema,
    validateSeed: validateOpenStackSeed,
    applySeed: (section, eng, onlyTenant) => applyOpenStackSeed(section, eng, onlyTenant),
    connection: (where) => openStackConnection(engine, where),
  };
  engine.clouds.register(api);
};

/** What a fault rule can match: the resources the path names, with their zones. */
function scopeOf(project: import('../../core/store.js').TenantStore | undefined, params: Readonly<Record<string, string>>): { zones: string[]; resources: ResourceInfo[] } {
  const zones: string[] = [];
  const resources: ResourceInfo[] = [];
  for (const [k, id] of Object.entries(params)) {
    if (k === 'project_id' || k === 'target_project_id') continue;
    const zone = project?.collection<ServerData>(OS.server).peek(id)?.data.zone ?? project?.collection<VolumeData>(OS.volume).peek(id)?.data.zone;
    if (zone) zones.push(zone);
    resources.push({ id, tags: {}, zone });
  }
  return { zones, resources };
}

export default openStackPlugin;
