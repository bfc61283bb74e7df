/**
 * Google Cloud as a fastify plugin: the GCE metadata server (`/computeMetadata/v1/…`, also as an
 * HTTP proxy target for `metadata.google.internal`), the OAuth token endpoint and Compute Engine's
 * REST API (`/compute/{v1,beta,alpha}/projects/…`, compute/). Tenancy is the project.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { CloudPluginOptions } from '../../core/app.js';
import { BODY_LIMIT_BYTES, type CloudApi, type RoutedCall, type WireReply, type WireRequest } from '../../core/cloud-api.js';
import { gcpConnection } from './connection.js';
import { GcpAuthSchema, verifyGcpRequest } from './auth.js';
import { gcpFaultError, googleError, googleHttpRefusal } from './errors.js';
import { findGceInstance, INSTANCE_HEADER, METADATA_PREFIX, serveMetadata } from './metadata/server.js';
import { issueOAuthToken } from './oauth.js';
import { applyGcpSeed, GcpSeedSchema, validateGcpSeed } from './seed.js';
import { defineOperationMachine } from './compute/operations.js';
import { defineDiskMachines } from './compute/resources/disks.js';
import { defineSnapshotMachines } from './compute/resources/snapshots.js';
import { defineInstanceMachine } from './compute/resources/instance-lifecycle.js';
import { onFirstUse } from '../../core/lazy.js';
import { identifyCompute, type ComputeRouted } from './compute/identify.js';

type GcpCall = (RoutedCall & { kind: 'metadata' | 'oauth' }) | ComputeRouted;

/** Compute's handlers, loaded on its first call rather than at start-up. */
const compute = onFirstUse(() => import('./compute/service.js'));

const gcpPlugin: FastifyPluginAsync<CloudPluginOptions> = async (_app, { engine }) => {
  // The default scenario's project, else whichever the seed made first.
  defineOperationMachine(engine);
  defineDiskMachines(engine);
  defineSnapshotMachines(engine);
  defineInstanceMachine(engine);
  const defaultProject = () => (engine.store.findTenant('gcp:fauxcloud-project') ? 'fauxcloud-project' : undefined);

  const api: CloudApi<GcpCall> = {
    name: 'gcp',
    // Path-specific matchers run before AWS's catch-all `POST /`.
    priority: 50,

    identify(req: WireRequest): GcpCall | undefined {
      if (req.path.startsWith('/compute/')) return identifyCompute(req);
      if (req.path === '/computeMetadata/v1' || req.path.startsWith(METADATA_PREFIX)) {
        const inst = findGceInstance(engine, req.headers, defaultProject);
        const operation = /\/token$/.test(req.path) ? 'GetToken' : 'GetMetadata';
        return { kind: 'metadata', service: 'metadata', operation, tenant: inst?.tenant.id, region: inst?.record.region };
      }
      if (req.path === '/token' && req.method === 'POST') return { kind: 'oauth', service: 'oauth2', operation: 'Token' };
      return undefined;
    },

    async handle(call, req, ctx): Promise<WireReply> {
      if (call.kind === 'compute') {
        // Strict auth covers the APIs; the metadata server and the token endpoint are where tokens come from.
        if (engine.auth.strict) verifyGcpRequest(engine, req);
        return (await compute()).serveCompute(engine, call, req, ctx);
      }
      if (call.kind === 'oauth') {
        await ctx.gate();
        const token = issueOAuthToken(engine, new URLSearchParams(req.body.toString('utf8')));
        return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(token) };
      }
      const inst = findGceInstance(engine, req.headers, defaultProject);
      if (inst) ctx.touch(inst.record.data.numericId);
      await ctx.gate(() => (inst ? { zones: [inst.record.data.zone], resources: [{ id: inst.record.data.numericId, tags: inst.record.tags, zone: inst.record.data.zone }] } : {}));
      const path = req.path === '/computeMetadata/v1' ? METADATA_PREFIX : req.path;
      const r = serveMetadata(engine, req.method, path, req.query, req.headers, inst);
      return { status: r.status, headers: { 'content-type': r.contentType, 'metadata-flavor': 'Google', server: 'Metadata Server for VM' }, body: r.body, errorCode: r.status >= 400 ? String(r.status) : undefined };
    },

    renderError(err, call, requestId) {
      if (call?.kind === 'metadata') return { status: err.status, headers: { 'content-type': 'text/plain', 'metadata-flavor': 'Google' }, body: `${err.message}\n`, errorCode: err.code };
      if (err.details['oauth']) return { status: err.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: err.code, error_description: err.message }), errorCode: err.code };
      return googleError(err, requestId);
    },

    faultError: (err) => gcpFaultError(err),
    renderHttpRefusal(kind, req, call, requestId) {
      if (call?.kind === 'metadata') return { status: kind === 'tooLarge' ? 413 : 404, headers: { 'content-type': 'text/plain', 'metadata-flavor': 'Google' }, body: kind === 'tooLarge' ? 'Request Entity Too Large\n' : 'Not Found\n', errorCode: kind };
      if (call?.kind === 'oauth') return { status: 413, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'invalid_request', error_description: 'The request body is too large.' }), errorCode: 'invalid_request' };
      // Unidentified: Google's API hosts (through the proxy) and `/compute` itself are Google's.
      const host = String(req.headers.host ?? '').toLowerCase().replace(/:\d*$/, '');
      if (!call && !host.endsWith('.googleapis.com') && req.path !== '/compute') return undefined;
      return googleHttpRefusal(kind, req.method, req.path, BODY_LIMIT_BYTES, requestId);
    },
    pinnedHeaderProblem: (header, value) =>
      header === INSTANCE_HEADER && !findGceInstance(engine, { [INSTANCE_HEADER]: value }, defaultProject) ? `no GCE instance named ${value}` : undefined,
    seedSchema: GcpSeedSchema,
    authSchema: GcpAuthSchema,
    validateSeed: validateGcpSeed,
    applySeed: (section, eng, onlyTenant) => applyGcpSeed(section, eng, onlyTenant),
    connection: (where) => gcpConnection(engine, where),
  };
  engine.clouds.register(api);
};

export default gcpPlugin;
