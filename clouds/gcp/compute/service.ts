/**
 * Serving one Compute Engine call: route from the proto model, decode against it, find the
 * project, pass the fault gate, run the handler, render stored references as https links.
 */
import type { CallContext, WireReply, WireRequest } from '../../../core/cloud-api.js';
import type { Engine } from '../../../core/engine.js';
import { handlers, type ComputeCall } from './call.js';
import { decodeRequest } from './codec.js';
import { computeModel, knowsPath, type ApiPackage } from './model.js';
import { COMPUTE_PREFIX, type ComputeRouted } from './identify.js';
import { notFound, notImplemented, opFailure, OP_ERROR_STATUS } from './problems.js';
import { answerJson } from './wire-json.js';
import { applyFields, parseFields } from './fields.js';
import { CloudError } from '../../../core/errors.js';
import { G, regionOf } from '../records.js';
import { checkBody } from './checks.js';
import './resources.js';

/**
 * The origin of the URLs in answers. GCE's are `https://www.googleapis.com/…` and callers insist on
 * https (the PD CSI driver refuses any other scheme in a selfLink), so links point at the HTTPS
 * listener, on the host name the caller used: fetchable with fauxcloud's CA. Without an HTTPS
 * listener they are Google's own.
 */
function linkOrigin(engine: Engine, req: WireRequest): string {
  const host = hostHeader(req);
  if (req.secure && host) return `https://${host}`;
  const https = engine.listeners.httpsUrl;
  if (!https) return 'https://www.googleapis.com';
  if (!host) return https;
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return `https://${hostname}:${portOf(https)}`;
}

let lastListener: { url: string; port: string } | undefined;

/** The HTTPS listener's port, parsed once per listener URL rather than on every request. */
function portOf(url: string): string {
  if (lastListener?.url !== url) lastListener = { url, port: new URL(url).port };
  return lastListener.port;
}

/** A host name or IP literal with an optional port; anything else is ignored (links use the listener's own). */
const HOST = /^(?:\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))(?::\d{1,5})?$/;

function hostHeader(req: WireRequest): string | undefined {
  const host = req.headers.host;
  return typeof host === 'string' && HOST.test(host) ? host.toLowerCase() : undefined;
}

export async function serveCompute(engine: Engine, call: ComputeRouted, req: WireRequest, ctx: CallContext): Promise<WireReply> {
  const model = computeModel();
  const route = call.route;
  if (!route) {
    const m = COMPUTE_PREFIX.exec(req.path)!;
    if (knowsPath(model, m[2]!.split('/'))) throw new CloudError('httpMethodNotAllowed', 405, `Method ${req.method} is not allowed for ${req.path}`, { reason: 'httpMethodNotAllowed' });
    throw new CloudError('notFound', 404, `The requested URL ${req.path} was not found on this server.`, { reason: 'notFound' });
  }
  const pkg: ApiPackage = call.version === 'v1' && route.pkg === 'v1' ? 'v1' : 'v1beta';
  const decoded = decodeRequest(model, pkg, route, req.query, req.body);
  const project = call.params['project']!;
  const tenant = engine.store.findTenant(`gcp:${project}`);
  if (!tenant) throw notFound(`projects/${project}`);
  const handler = handlers.get(route.operation);
  if (!handler) throw notImplemented(route.operation);
  // A zone or region the project does not have is a 404 for reads and writes alike, as on GCE.
  const zoneParam = call.params['zone'];
  if (zoneParam !== undefined && !tenant.collection(G.zone).has(zoneParam)) throw notFound(`projects/${project}/zones/${zoneParam}`);
  const regionParam = call.params['region'];
  if (regionParam !== undefined && !tenant.collection(G.zone).list().some((z) => regionOf(z.id) === regionParam)) throw notFound(`projects/${project}/regions/${regionParam}`);
  if (decoded.body) checkBody(decoded.body, route.bodyField?.endsWith('Resource') ? 'resource' : '');

  const zone = call.params['zone'];
  const { asyncFailure } = await ctx.gate(() => {
    // The resource a path names (`zones/z/disks/d` of `…/disks/d/resize`) is what `resource.id` matches.
    const m = /\/projects\/[^/]+\/((?:zones|regions)\/[^/]+|global)\/([A-Za-z]+)\/([^/]+)/.exec(req.path);
    return { zones: zone ? [zone] : [], resources: m ? [{ id: `${m[1]}/${m[2]}/${m[3]}`, tags: {}, zone }] : [] };
  });
  const base = `${linkOrigin(engine, req)}/compute/${call.version}/`;
  const computeCall: ComputeCall = {
    engine,
    tenant,
    project,
    params: call.params,
    query: decoded.query,
    body: decoded.body ?? {},
    route,
    base,
    ctx,
    asyncFailure: asyncFailure && opFailure(asyncFailure.code, asyncFailure.message ?? `Operation failed: ${asyncFailure.code}`, asyncFailure.status ?? OP_ERROR_STATUS[asyncFailure.code] ?? 400),
  };
  const fields = decoded.system['fields'] ? parseFields(decoded.system['fields']) : undefined;
  const full = await handler(computeCall);
  const answer = fields ? applyFields(full, fields) : full;
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=UTF-8', vary: 'Origin, X-Origin, Referer' },
    // Links are rendered as values before serialisation, so the caller's host is JSON-encoded like
    // any string; proto3 JSON leaves empty repeated fields out (a disk nobody uses has no `users`).
    body: answerJson(answer, base),
  };
}
