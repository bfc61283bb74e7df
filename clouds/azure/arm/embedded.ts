/**
 * Child resources that live inside their parent's body (a load balancer's
 * `backendAddressPools`): ARM serves them at their own path too. GET and list read the parent's
 * array; PUT and DELETE edit it, give the parent a new etag and run one operation on the parent,
 * as Network does.
 */
import type { WireReply } from '../../../core/cloud-api.js';
import { armError, notFound } from '../errors.js';
import { pollingHeaders, startOperation } from './lro.js';
import { idKey, resourceId, typeKey } from './path.js';
import { checkPreconditions, findResource, fullType, json, newEtag, page, parseBody, props, requireResourceGroup, type ArmCall, type ArmType } from './resources.js';
import { renderer } from './render.js';
import { readBody, type Json, type Shape } from './shapes.js';

export interface EmbeddedType {
  parent: ArmType;
  /** The parent's `properties` array holding the items. */
  key: string;
  /** The path segment (`backendAddressPools`). */
  segment: string;
  shape: () => Shape;
}

const embedded = new Map<string, EmbeddedType>();

export function defineEmbedded(e: EmbeddedType): void {
  embedded.set(typeKey(e.parent.namespace, [...e.parent.types, e.segment]), e);
}

export const embeddedType = (namespace: string, types: readonly string[]): EmbeddedType | undefined => embedded.get(typeKey(namespace, types));
export const isEmbeddedType = (key: string): boolean => embedded.has(key);

export function serveEmbedded(call: ArmCall, e: EmbeddedType): WireReply {
  requireResourceGroup(call.tenant, call.sub, call.rg);
  const parentId = resourceId(call.sub, call.rg, e.parent.namespace, e.parent.types, call.names.slice(0, e.parent.types.length));
  const parent = findResource(call.tenant, e.parent, parentId);
  const name = call.names[e.parent.types.length];
  if (!parent) {
    if (call.req.method === 'PUT') throw armError('ParentResourceNotFound', 404, `Can not perform requested operation on nested resource. Parent resource '${call.names[0]}' not found.`);
    if (call.req.method === 'DELETE') return { status: 204, headers: {}, body: '' };
    throw notFound(fullType(e.parent), call.names[0]!, call.rg);
  }
  const items = (props(parent.data)[e.key] ?? []) as Json[];
  const idx = name === undefined ? -1 : items.findIndex((i) => String(i['name']).toLowerCase() === name.toLowerCase());
  const render1 = (item: Json) => renderer(e.shape())(item);
  if (name === undefined) {
    if (call.req.method !== 'GET') throw armError('MethodNotAllowed', 405, `The requested resource does not support http method '${call.req.method}'.`);
    return json(200, page(call, items.map(render1)));
  }
  const missing = () => armError('NotFound', 404, `Resource ${parentId}/${e.segment}/${name} not found.`);
  switch (call.req.method) {
    case 'GET':
      if (idx < 0) throw missing();
      return json(200, render1(items[idx]!));
    case 'PUT': {
      checkPreconditions(call.req, idx < 0 ? undefined : { data: items[idx]! } as never);
      const body = readBody(e.shape(), parseBody(call.req)) as Json;
      const item: Json = { ...body, name, id: `${parentId}/${e.segment}/${name}`, etag: newEtag(call.engine, { etag: 'weak' } as ArmType, undefined), properties: { ...((body['properties'] ?? {}) as Json), provisioningState: 'Succeeded' } };
      const next = [...items];
      if (idx < 0) next.push(item);
      else next[idx] = item;
      props(parent.data)[e.key] = next;
      return commitParent(call, e, parent, idx < 0 ? 201 : 200, render1(item));
    }
    case 'DELETE': {
      if (idx < 0) return { status: 204, headers: {}, body: '' };
      props(parent.data)[e.key] = items.filter((_, i) => i !== idx);
      return commitParent(call, e, parent, 202, undefined);
    }
    default:
      throw armError('MethodNotAllowed', 405, `The requested resource does not support http method '${call.req.method}'.`);
  }
}

function commitParent(call: ArmCall, e: EmbeddedType, parent: { id: string; data: Json }, status: number, body: unknown): WireReply {
  parent.data['etag'] = newEtag(call.engine, e.parent, parent.data['etag']);
  props(parent.data)['provisioningState'] = 'Updating';
  call.ctx.touch(parent.data['id'] as string);
  const op = startOperation(call.engine, call.tenant, {
    namespace: e.parent.namespace,
    location: (parent.data['location'] as string | undefined) ?? 'global',
    resourceType: typeKey(e.parent.namespace, e.parent.types),
    resourceId: idKey(parent.data['id'] as string),
    effect: { kind: 'arm.commit', args: { type: typeKey(e.parent.namespace, e.parent.types), id: parent.id } },
    asyncFailure: call.gate.asyncFailure,
    result: body === undefined ? 'none' : 'resource',
  });
  const headers = pollingHeaders(call.base, call.sub, op, call.apiVersion);
  return body === undefined ? { status, headers, body: '' } : json(status, body, headers);
}
