/**
 * The GCE metadata server: `Metadata-Flavor: Google` required on the request and sent on every
 * answer; the instance a request speaks for comes from `X-Fauxcloud-Instance` (name or numeric
 * id) or is the default project's first instance. Access tokens are minted per request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { issueAccessToken } from '../auth.js';
import { G, type GceInstanceData } from '../records.js';
import { leafJson, metadataTree, recursive, stringify } from './tree.js';

export const INSTANCE_HEADER = 'x-fauxcloud-instance';
export const METADATA_PREFIX = '/computeMetadata/v1/';

export interface MetadataReply {
  status: number;
  body: string;
  contentType: string;
}

export interface GceInstance {
  tenant: TenantStore;
  record: ResourceRecord<GceInstanceData>;
}

export function findGceInstance(engine: Engine, headers: IncomingHttpHeaders, defaultProject: () => string | undefined): GceInstance | undefined {
  const wanted = headers[INSTANCE_HEADER];
  const tenants = engine.store.tenants().filter((t) => t.cloud === 'gcp');
  if (typeof wanted === 'string') {
    for (const tenant of tenants)
      for (const record of tenant.collection<GceInstanceData>(G.instance).all())
        if (record.data.name === wanted || record.data.numericId === wanted) return { tenant, record };
    return undefined;
  }
  const project = defaultProject();
  const tenant = tenants.find((t) => t.id === project) ?? tenants[0];
  const record = tenant ? tenant.collection<GceInstanceData>(G.instance).all().next().value : undefined;
  return tenant && record ? { tenant, record } : undefined;
}

const text = (status: number, body: string): MetadataReply => ({ status, body, contentType: 'application/text' });
const json = (value: unknown): MetadataReply => ({ status: 200, body: stringify(value), contentType: 'application/json' });
const NOT_FOUND: MetadataReply = {
  status: 404,
  contentType: 'text/html; charset=UTF-8',
  body: '<!DOCTYPE html>\n<html lang=en>\n<title>Error 404 (Not Found)!!1</title>\n<p><b>404.</b> <ins>That’s an error.</ins>\n<p>The requested URL was not found on this server.  <ins>That’s all we know.</ins>\n',
};

export function serveMetadata(engine: Engine, method: string, path: string, query: URLSearchParams, headers: IncomingHttpHeaders, inst: GceInstance | undefined): MetadataReply {
  if (headers['metadata-flavor'] !== 'Google') return text(403, 'Missing required header "Metadata-Flavor": "Google"\n');
  if (headers['x-forwarded-for'] !== undefined) return text(403, 'Request had an X-Forwarded-For header and was rejected\n');
  if (method !== 'GET' && method !== 'HEAD') return text(405, 'Method not allowed\n');
  if (!inst) return NOT_FOUND;
  const sub = path.slice(METADATA_PREFIX.length);
  const token = /^instance\/service-accounts\/([^/]+)\/token$/.exec(sub);
  if (token) {
    const tree = metadataTree(inst.tenant, inst.record);
    if (!tree.has(`instance/service-accounts/${token[1]}/email`)) return NOT_FOUND;
    return json(issueAccessToken(engine, 'ya29.c.', { email: tree.get(`instance/service-accounts/${token[1]}/email`) ?? token[1]!, project: inst.tenant.id }));
  }
  const tree = metadataTree(inst.tenant, inst.record);
  const dir = sub === '' || sub.endsWith('/') ? sub : tree.has(`${sub}/`) && !tree.has(sub) ? `${sub}/` : undefined;
  if (dir !== undefined) {
    if (!tree.has(dir)) return NOT_FOUND;
    if (query.get('recursive') === 'true' || query.get('alt') === 'json') return json(recursive(tree, dir));
    const listing = tree.get(dir)!;
    return text(200, listing === '' ? '' : `${listing}\n`);
  }
  const value = tree.get(sub);
  if (value === undefined) return NOT_FOUND;
  return query.get('alt') === 'json' ? json(leafJson(sub, value)) : text(200, value);
}
