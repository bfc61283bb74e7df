/**
 * The vAPI tagging service: categories, tags and tag associations, with the `~action`s govmomi's
 * `vapi/tags` uses (the CPI's zone lookup: list-attached-tags, then get tag and category; CSI
 * topology: list-tags-for-category, list-attached-objects(-on-tags), …).
 */
import type { ResourceRecord } from '../../../core/store.js';
import { categories, ensureTag, tags, type CategoryData, type TagData } from './tag-store.js';
import { RestError, type RestContext } from './service.js';

interface Out {
  status?: number;
  value?: unknown;
}
interface ObjectId {
  id: string;
  type: string;
}

function idOf(sub: string): string | undefined {
  const m = /\/id:([^/]+)/.exec(sub);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    throw new RestError(400, `The identifier ${m[1]!} is not valid.`);
  }
}

function obj(body: unknown, key: string): Record<string, unknown> {
  const v = (body as Record<string, unknown> | undefined)?.[key];
  if (typeof v !== 'object' || v === null) throw new RestError(400, `The request has no '${key}'.`);
  return v as Record<string, unknown>;
}

function objectId(v: unknown): ObjectId {
  const o = v as Partial<ObjectId> | undefined;
  if (!o || typeof o.id !== 'string' || typeof o.type !== 'string') throw new RestError(400, "An object id needs 'id' and 'type'.");
  return { id: o.id, type: o.type };
}

/** An optional list: absent is empty, anything but a list is the caller's error (a string's .map was a TypeError, a 500: found by the fuzz). */
function list(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new RestError(400, `'${what}' must be a list.`);
  return v;
}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new RestError(400, `'${what}' must be a list of strings.`);
  return v as string[];
}

function categoryJson(r: ResourceRecord<CategoryData>) {
  return { id: r.id, name: r.data.name, description: r.data.description, cardinality: r.data.cardinality, associable_types: r.data.associableTypes, used_by: [] };
}
function tagJson(r: ResourceRecord<TagData>) {
  return { id: r.id, name: r.data.name, description: r.data.description, category_id: r.data.categoryId, used_by: [] };
}

function needCategory(ctx: RestContext, id: string): ResourceRecord<CategoryData> {
  const r = categories(ctx.inv).get(id);
  if (!r) throw new RestError(404, `Category ${id} not found.`);
  return r;
}
function needTag(ctx: RestContext, id: string): ResourceRecord<TagData> {
  const r = tags(ctx.inv).get(id);
  if (!r) throw new RestError(404, `Tag ${id} not found.`);
  return r;
}

const key = (o: ObjectId) => `${o.type}:${o.id}`;
const objJson = (k: string): ObjectId => {
  const i = k.indexOf(':');
  return { type: k.slice(0, i), id: k.slice(i + 1) };
};

function attach(ctx: RestContext, tag: ResourceRecord<TagData>, o: ObjectId): void {
  const cat = needCategory(ctx, tag.data.categoryId);
  if (cat.data.associableTypes.length > 0 && !cat.data.associableTypes.includes(o.type)) throw new RestError(400, `Tag ${tag.data.name} cannot be attached to a ${o.type}.`);
  if (cat.data.cardinality === 'SINGLE')
    for (const other of tags(ctx.inv).all())
      if (other.id !== tag.id && other.data.categoryId === cat.id && other.data.attached.includes(key(o))) throw new RestError(400, `Category ${cat.data.name} allows one tag per object.`);
  if (!tag.data.attached.includes(key(o))) tag.data.attached.push(key(o));
}

export function serveTagging(ctx: RestContext): Out {
  const { call, method, body } = ctx;
  const sub = call.sub.replace(/^\/cis\/tagging/, '');
  const id = idOf(sub);
  const res = sub.replace(/\/id:[^/]*/, '');
  const action = call.action;
  if (res === '/category') {
    if (!id && method === 'GET') return { value: [...categories(ctx.inv).all()].map((r) => r.id) };
    if (!id && method === 'POST' && (!action || action === 'create')) {
      const spec = obj(body, 'create_spec');
      const name = String(spec['name'] ?? '');
      if (!name) throw new RestError(400, 'A category needs a name.');
      if ([...categories(ctx.inv).all()].some((r) => r.data.name === name)) throw new RestError(400, `Category ${name} already exists.`, 'already_exists');
      const r = categories(ctx.inv).insert({ id: `urn:vmomi:InventoryServiceCategory:${ctx.engine.ids.uuid('vsphere:tag')}:GLOBAL`, data: { name, description: String(spec['description'] ?? ''), cardinality: spec['cardinality'] === 'MULTIPLE' ? 'MULTIPLE' : 'SINGLE', associableTypes: spec['associable_types'] == null ? [] : strings(spec['associable_types'], 'associable_types') } });
      return { value: r.id };
    }
    if (id && method === 'GET') return { value: categoryJson(needCategory(ctx, id)) };
    if (id && method === 'PATCH') {
      const r = needCategory(ctx, id);
      const spec = obj(body, 'update_spec');
      if (typeof spec['name'] === 'string') r.data.name = spec['name'];
      if (typeof spec['description'] === 'string') r.data.description = spec['description'];
      if (spec['cardinality'] === 'SINGLE' || spec['cardinality'] === 'MULTIPLE') r.data.cardinality = spec['cardinality'];
      if (spec['associable_types'] != null) r.data.associableTypes = strings(spec['associable_types'], 'associable_types');
      return {};
    }
    if (id && method === 'DELETE') {
      needCategory(ctx, id);
      for (const t of [...tags(ctx.inv).all()]) if (t.data.categoryId === id) tags(ctx.inv).delete(t.id);
      categories(ctx.inv).delete(id);
      return {};
    }
  }
  if (res === '/tag') {
    if (!id && method === 'GET') return { value: [...tags(ctx.inv).all()].map((r) => r.id) };
    if (!id && method === 'POST' && (!action || action === 'create')) {
      const spec = obj(body, 'create_spec');
      const cat = needCategory(ctx, String(spec['category_id'] ?? ''));
      const name = String(spec['name'] ?? '');
      if (!name) throw new RestError(400, 'A tag needs a name.');
      if ([...tags(ctx.inv).all()].some((r) => r.data.name === name && r.data.categoryId === cat.id)) throw new RestError(400, `Tag ${name} already exists in category ${cat.data.name}.`, 'already_exists');
      return { value: ensureTag(ctx.inv, cat, name, String(spec['description'] ?? '')).id };
    }
    if (id && method === 'POST' && action === 'list-tags-for-category') {
      needCategory(ctx, id);
      return { value: [...tags(ctx.inv).all()].filter((t) => t.data.categoryId === id).map((t) => t.id) };
    }
    if (id && method === 'GET') return { value: tagJson(needTag(ctx, id)) };
    if (id && method === 'PATCH') {
      const r = needTag(ctx, id);
      const spec = obj(body, 'update_spec');
      if (typeof spec['name'] === 'string') r.data.name = spec['name'];
      if (typeof spec['description'] === 'string') r.data.description = spec['description'];
      return {};
    }
    if (id && method === 'DELETE') {
      needTag(ctx, id);
      tags(ctx.inv).delete(id);
      return {};
    }
  }
  if (res === '/tag-association' && method === 'POST') {
    const b = body as Record<string, unknown> | undefined;
    if (id) {
      const tag = needTag(ctx, id);
      switch (action) {
        case 'attach':
          attach(ctx, tag, objectId(b?.['object_id']));
          return {};
        case 'detach': {
          const k = key(objectId(b?.['object_id']));
          tag.data.attached = tag.data.attached.filter((x) => x !== k);
          return {};
        }
        case 'list-attached-objects':
          return { value: tag.data.attached.map(objJson) };
        case 'attach-tag-to-multiple-objects':
          for (const o of list(b?.['object_ids'], 'object_ids')) attach(ctx, tag, objectId(o));
          return { value: { success: true, error_messages: [] } };
      }
    } else {
      switch (action) {
        case 'list-attached-tags': {
          const k = key(objectId(b?.['object_id']));
          return { value: [...tags(ctx.inv).all()].filter((t) => t.data.attached.includes(k)).map((t) => t.id) };
        }
        case 'list-attached-objects-on-tags':
          return { value: strings(b?.['tag_ids'], 'tag_ids').flatMap((t) => { const r = tags(ctx.inv).get(t); return r ? [{ tag_id: t, object_ids: r.data.attached.map(objJson) }] : []; }) };
        case 'list-attached-tags-on-objects':
          return { value: (list(b?.['object_ids'], 'object_ids')).map((o) => { const oid = objectId(o); return { object_id: oid, tag_ids: [...tags(ctx.inv).all()].filter((t) => t.data.attached.includes(key(oid))).map((t) => t.id) }; }) };
        case 'attach-multiple-tags-to-object': {
          const oid = objectId(b?.['object_id']);
          for (const t of strings(b?.['tag_ids'], 'tag_ids')) attach(ctx, needTag(ctx, t), oid);
          return { value: { success: true, error_messages: [] } };
        }
        case 'detach-multiple-tags-from-object': {
          const k = key(objectId(b?.['object_id']));
          for (const t of strings(b?.['tag_ids'], 'tag_ids')) { const r = needTag(ctx, t); r.data.attached = r.data.attached.filter((x) => x !== k); }
          return { value: { success: true, error_messages: [] } };
        }
      }
    }
  }
  throw new RestError(404, `fauxcloud does not serve ${method} tagging${sub}${action ? `?~action=${action}` : ''}`);
}
