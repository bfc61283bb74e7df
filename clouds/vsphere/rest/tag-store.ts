/**
 * Tag categories, tags and their attachments, as vAPI's tagging service keeps them: ids are
 * `urn:vmomi:InventoryServiceCategory:<uuid>:GLOBAL` / `…Tag:…`, attachments name objects by
 * managed object reference.
 */
import type { ResourceRecord } from '../../../core/store.js';
import type { Inventory } from '../inventory.js';

export const CATEGORY = 'vsphere.tagCategory';
export const TAG = 'vsphere.tag';

export interface CategoryData {
  name: string;
  description: string;
  cardinality: 'SINGLE' | 'MULTIPLE';
  associableTypes: string[];
}
export interface TagData {
  name: string;
  description: string;
  categoryId: string;
  /** Attached objects as `Type:id`. */
  attached: string[];
}

export function categories(inv: Inventory) {
  return inv.tenant.collection<CategoryData>(CATEGORY);
}
export function tags(inv: Inventory) {
  return inv.tenant.collection<TagData>(TAG);
}

export function ensureCategory(inv: Inventory, name: string, opts: { description?: string; cardinality?: 'SINGLE' | 'MULTIPLE'; associableTypes?: string[] } = {}): ResourceRecord<CategoryData> {
  const c = categories(inv);
  const found = [...c.all()].find((r) => r.data.name === name);
  if (found) return found;
  return c.insert({ id: `urn:vmomi:InventoryServiceCategory:${inv.engine.ids.uuid('vsphere:tag')}:GLOBAL`, data: { name, description: opts.description ?? '', cardinality: opts.cardinality ?? 'SINGLE', associableTypes: opts.associableTypes ?? [] } });
}

export function ensureTag(inv: Inventory, cat: ResourceRecord<CategoryData>, name: string, description = ''): ResourceRecord<TagData> {
  const t = tags(inv);
  const found = [...t.all()].find((r) => r.data.name === name && r.data.categoryId === cat.id);
  if (found) return found;
  return t.insert({ id: `urn:vmomi:InventoryServiceTag:${inv.engine.ids.uuid('vsphere:tag')}:GLOBAL`, parent: cat.id, data: { name, description, categoryId: cat.id, attached: [] } });
}

/** Attach `category/tag` (both created when missing) to an object. */
export function attachTag(inv: Inventory, path: string, obj: { type: string; value: string }): void {
  const [catName, tagName] = path.split('/') as [string, string];
  const tag = ensureTag(inv, ensureCategory(inv, catName), tagName);
  const key = `${obj.type}:${obj.value}`;
  if (!tag.data.attached.includes(key)) tag.data.attached.push(key);
}
