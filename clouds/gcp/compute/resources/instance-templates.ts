/**
 * Instance templates (global): insert / get / list / delete, checked as GCE checks them (an
 * existing machine type, a boot disk), refused for delete while a managed group uses one; and
 * the instance a template describes, for `instances.insert?sourceInstanceTemplate=` and groups.
 */
import type { ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { defineCollection, normalizeRefs, type CollectionDef } from '../collections.js';
import { inUse, invalid, notFound, required } from '../problems.js';
import { parseRef, ref } from '../urls.js';
import { G, type ProjectData } from '../../records.js';
import { MACHINE_TYPES } from './locations.js';

export const TEMPLATE = 'gcp.compute.instanceTemplate';
export const MIG = 'gcp.compute.instanceGroupManager';

const CUSTOM = /^(?:[a-z0-9]+-)?custom-\d+-\d+(?:-ext)?$/;

const TEMPLATES: CollectionDef = {
  plural: 'instanceTemplates', service: 'instanceTemplates', type: TEMPLATE, kind: 'compute#instanceTemplate', scope: 'global', nameParam: 'instanceTemplate',
  prepare: (_call, tmpl) => {
    const props = tmpl['properties'] as Json | undefined;
    if (!props) throw required('resource.properties');
    const mt = props['machineType'];
    if (typeof mt !== 'string' || mt === '') throw required('resource.properties.machineType');
    const name = mt.slice(mt.lastIndexOf('/') + 1);
    if (!MACHINE_TYPES[name] && !CUSTOM.test(name)) throw invalid(`Invalid value for field 'resource.properties.machineType': '${mt}'. Instance properties must provide existing machine type.`);
    const disks = (props['disks'] as Json[] | undefined) ?? [];
    if (disks.length === 0) throw invalid("Invalid value for field 'resource.properties.disks': ''. Boot disk must be specified.");
    for (const nic of (props['networkInterfaces'] as Json[] | undefined) ?? []) normalizeRefs(_call.project, nic, ['network', 'subnetwork']);
  },
  beforeDelete: (call, rec) => {
    const user = call.tenant.collection<Json>(MIG).list().find((m) => m.data['instanceTemplate'] === rec.data['selfLink']);
    if (user) throw inUse(`projects/${call.project}/${rec.id}`, String(user.data['selfLink']).replace(/^compute:\/\//, ''));
  },
};
defineCollection(TEMPLATES, ['insert', 'get', 'list', 'delete']);

/** The stored template a reference (name, `global/instanceTemplates/t`, URL) names, or GCE's 404. */
export function requireTemplate(call: ComputeCall, reference: string, field = 'sourceInstanceTemplate'): Json {
  const p = parseRef(reference.includes('/') ? reference : `global/instanceTemplates/${reference}`, call.project);
  if (!p || p.collection !== 'instanceTemplates') throw invalid(`Invalid value for field '${field}': '${reference}'. The URL is malformed.`);
  const rec = call.tenant.collection<Json>(TEMPLATE).get(p.key);
  if (!rec) throw notFound(`projects/${p.project}/${p.key}`);
  return rec.data;
}

/**
 * The instance body a template describes, with `overrides` (the name, the caller's own fields)
 * on top; GCE adds the `instance-template` metadata item naming the template.
 */
export function templateInstance(call: ComputeCall, reference: string, overrides: Json, createdBy?: string): Json {
  const tmpl = requireTemplate(call, reference);
  const props = structuredClone(tmpl['properties'] as Json);
  const zone = call.params['zone']!;
  props['machineType'] = `zones/${zone}/machineTypes/${String(props['machineType']).slice(String(props['machineType']).lastIndexOf('/') + 1)}`;
  const number = call.tenant.collection<ProjectData>(G.project).peek(call.project)?.data.number ?? '0';
  const items = (((props['metadata'] as Json | undefined)?.['items'] as Json[] | undefined) ?? []).slice();
  items.push({ key: 'instance-template', value: `projects/${number}/global/instanceTemplates/${String(tmpl['name'])}` });
  if (createdBy) items.push({ key: 'created-by', value: `projects/${number}/${createdBy}` });
  props['metadata'] = { items };
  delete props['resourceManagerTags'];
  return { ...props, ...overrides, metadata: overrides['metadata'] ?? props['metadata'] };
}

export const templateLink = (call: ComputeCall, reference: string): string => String(requireTemplate(call, reference, 'resource.instanceTemplate')['selfLink'] ?? ref(call.project, reference));
