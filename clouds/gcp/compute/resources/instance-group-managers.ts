/**
 * Zonal managed instance groups as cluster-autoscaler and node-pool tooling drive them: insert
 * (the group of the same name and `targetSize` instances from the template), resize (new
 * instances `baseInstanceName-xxxx` on their way to RUNNING; surplus ones, stopped first, then
 * the newest, STOPPING and gone), deleteInstances / abandonInstances, setInstanceTemplate,
 * listManagedInstances (currentAction from the instance's status) and delete (the instances and
 * the group go with it). The group's members show in instanceGroups.listInstances.
 */
import type { ResourceRecord, TenantStore } from '../../../../core/store.js';
import { defineHandlers, operation, scopeOf, type ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { createResource, defineCollection, fingerprint, getRecord, type CollectionDef } from '../collections.js';
import { listAnswer } from '../lists.js';
import { defineEffect } from '../operations.js';
import { alreadyExists, badRequest, invalid, required } from '../problems.js';
import { parseRef, ref } from '../urls.js';
import { G, type GceInstanceData } from '../../records.js';
import { createInstance } from './instance-create.js';
import { GROUPS } from './instance-groups.js';
import { INSTANCE_MEMBER, removeInstance } from './instance-lifecycle.js';
import { MIG, templateInstance, templateLink } from './instance-templates.js';

const instances = (tenant: TenantStore) => tenant.collection<GceInstanceData>(G.instance);

/** The group's instances, oldest first (deleting ones included: they show as DELETING). */
const managed = (tenant: TenantStore, migKey: string) => instances(tenant).list().filter((r) => r.data.createdBy === migKey);

function currentAction(d: GceInstanceData): string {
  if (d.deleting) return 'DELETING';
  return d.status === 'PROVISIONING' || d.status === 'STAGING' ? 'CREATING' : 'NONE';
}

function actions(tenant: TenantStore, migKey: string): Record<string, number> {
  const out: Record<string, number> = { abandoning: 0, creating: 0, creatingWithoutRetries: 0, deleting: 0, none: 0, recreating: 0, refreshing: 0, restarting: 0, resuming: 0, starting: 0, stopping: 0, suspending: 0, verifying: 0 };
  for (const r of managed(tenant, migKey)) out[currentAction(r.data).toLowerCase()]!++;
  return out;
}

const MIGS: CollectionDef = {
  plural: 'instanceGroupManagers', service: 'instanceGroupManagers', type: MIG, kind: 'compute#instanceGroupManager', scope: 'zone', nameParam: 'instanceGroupManager',
  prepare: (call, mig, key) => {
    if (typeof mig['instanceTemplate'] !== 'string') throw required('resource.instanceTemplate');
    mig['instanceTemplate'] = templateLink(call, mig['instanceTemplate']);
    mig['baseInstanceName'] ??= mig['name'];
    if (!/^[a-z][-a-z0-9]{0,57}$/.test(String(mig['baseInstanceName'])))
      throw invalid(`Invalid value for field 'resource.baseInstanceName': '${String(mig['baseInstanceName'])}'. Must be a match of regex '[a-z][-a-z0-9]{0,57}'`);
    const size = Number(mig['targetSize'] ?? 0);
    if (!Number.isInteger(size) || size < 0) throw invalid(`Invalid value for field 'resource.targetSize': '${String(mig['targetSize'])}'. Must be a non-negative integer.`);
    mig['targetSize'] = size;
    mig['instanceGroup'] = ref(call.project, key.replace('/instanceGroupManagers/', '/instanceGroups/'));
    mig['versions'] = [{ instanceTemplate: mig['instanceTemplate'], targetSize: { calculated: size } }];
    mig['updatePolicy'] ??= { type: 'OPPORTUNISTIC', minimalAction: 'REPLACE', maxSurge: { fixed: 1, calculated: 1 }, maxUnavailable: { fixed: 1, calculated: 1 }, replacementMethod: 'SUBSTITUTE' };
    mig['listManagedInstancesResults'] ??= 'PAGELESS';
    mig['fingerprint'] = fingerprint([mig['instanceTemplate'], size]);
  },
  decorate: (tenant, rec, out) => {
    const current = actions(tenant, rec.id);
    out['currentActions'] = current;
    const stable = Object.entries(current).every(([k, n]) => k === 'none' || n === 0);
    out['status'] = { isStable: stable, versionTarget: { isReached: stable }, stateful: { hasStatefulConfig: false, perInstanceConfigs: { allEffective: true } } };
  },
  onDeleted: (tenant, rec) => {
    for (const inst of managed(tenant, rec.id)) removeInstance(tenant, inst);
    const group = tenant.collection<Json>(GROUPS.type).peek(rec.id.replace('/instanceGroupManagers/', '/instanceGroups/'));
    if (group) {
      tenant.collection(GROUPS.type).delete(group.id);
      GROUPS.onDeleted?.(tenant, group);
    }
  },
};
defineCollection(MIGS, ['get', 'list', 'aggregatedList']);

/** A fresh `base-xxxx` name no instance in the zone has. */
function newName(call: ComputeCall, base: string): string {
  for (;;) {
    const name = `${base}-${call.engine.ids.alnum('gcp:mig', 4).toLowerCase()}`;
    if (!instances(call.tenant).has(`zones/${call.params['zone']}/instances/${name}`)) return name;
  }
}

/** Make `count` instances from the group's template, started and listed in its instance group. */
function grow(call: ComputeCall, mig: ResourceRecord<Json>, count: number): void {
  const groupKey = String(mig.data['instanceGroup']).replace(/^compute:\/\/projects\/[^/]+\//, '');
  for (let i = 0; i < count; i++) {
    const name = newName(call, String(mig.data['baseInstanceName']));
    const body = templateInstance(call, String(mig.data['instanceTemplate']), { name }, mig.id);
    const { rec } = createInstance(call, body, { createdBy: mig.id });
    call.engine.lifecycle.enter(call.tenant, rec, 'PROVISIONING');
    const link = ref(call.project, rec.id);
    call.tenant.collection<Json>(INSTANCE_MEMBER).insert({ id: `${groupKey}|${link}`, parent: groupKey, data: { instance: link, ip: rec.data.networkIp } });
  }
}

/** Take instances out: stopped and gone (delete) or just no longer managed (abandon). */
function release(call: ComputeCall, recs: Array<ResourceRecord<GceInstanceData>>, abandon: boolean): void {
  for (const rec of recs) {
    if (abandon) {
      delete rec.data.createdBy;
      const link = ref(call.project, rec.id);
      const members = call.tenant.collection<Json>(INSTANCE_MEMBER);
      for (const m of members.list()) if (m.data['instance'] === link) members.delete(m.id);
      continue;
    }
    rec.data.deleting = true;
    if (rec.data.status === 'TERMINATED') removeInstance(call.tenant, rec);
    else if (rec.data.status !== 'STOPPING') call.engine.lifecycle.enter(call.tenant, rec, 'STOPPING');
  }
}

/** Which instances a shrink removes: not-running ones first, then the newest. */
function surplus(call: ComputeCall, mig: ResourceRecord<Json>, count: number): Array<ResourceRecord<GceInstanceData>> {
  const live = managed(call.tenant, mig.id).filter((r) => !r.data.deleting);
  const rank = (r: ResourceRecord<GceInstanceData>) => (r.data.status === 'RUNNING' ? 1 : 0);
  return live.sort((a, b) => rank(a) - rank(b) || b.seq - a.seq).slice(0, count);
}

const answer = (call: ComputeCall, mig: ResourceRecord<Json>, operationType: string) =>
  operation(call, { scope: scopeOf(call), operationType, target: mig.id, targetId: String(mig.data['id']), effect: { kind: 'migTouched', args: {} } });

defineEffect('migTouched', { apply: () => undefined });

function setTarget(mig: ResourceRecord<Json>, size: number): void {
  mig.data['targetSize'] = size;
  mig.data['versions'] = [{ instanceTemplate: mig.data['instanceTemplate'], targetSize: { calculated: size } }];
  mig.data['fingerprint'] = fingerprint([mig.data['instanceTemplate'], size]);
}

/** The instances a deleteInstances / abandonInstances body names, each one of the group's. */
function named(call: ComputeCall, mig: ResourceRecord<Json>): Array<ResourceRecord<GceInstanceData>> {
  const given = (call.body['instances'] as string[] | undefined) ?? [];
  if (given.length === 0) throw required('instances');
  return given.map((v, i) => {
    const p = parseRef(v, call.project);
    const rec = p && p.collection === 'instances' ? instances(call.tenant).peek(p.key) : undefined;
    if (!rec || rec.data.createdBy !== mig.id)
      throw badRequest('invalid', `Invalid value for field 'instances[${i}]': '${v}'. The instance is not a member of ${String(mig.data['name'])}.`);
    return rec;
  });
}

defineHandlers({
  'instanceGroupManagers.insert': (call) => {
    const groupKey = `zones/${call.params['zone']}/instanceGroups/${String(call.body['name'])}`;
    if (call.tenant.collection(GROUPS.type).has(groupKey)) throw alreadyExists(`projects/${call.project}/${groupKey}`);
    const { rec, key } = createResource(call, MIGS, call.body);
    const groupCall: ComputeCall = { ...call, params: { ...call.params, instanceGroup: String(rec.data['name']) } };
    createResource(groupCall, GROUPS, { name: rec.data['name'], description: `This instance group is controlled by Instance Group Manager '${String(rec.data['name'])}'.`, namedPorts: rec.data['namedPorts'] });
    grow(call, rec, Number(rec.data['targetSize']));
    return operation(call, { scope: scopeOf(call), operationType: 'insert', target: key, targetId: String(rec.data['id']), effect: { kind: 'created', args: { type: MIG, key } } });
  },
  'instanceGroupManagers.delete': (call) => {
    const mig = getRecord(call, MIGS);
    release(call, managed(call.tenant, mig.id).filter((r) => !r.data.deleting), false);
    return operation(call, { scope: scopeOf(call), operationType: 'delete', target: mig.id, targetId: String(mig.data['id']), effect: { kind: 'deleted', args: { type: MIG, key: mig.id } } });
  },
  'instanceGroupManagers.resize': (call) => {
    const mig = getRecord(call, MIGS);
    const size = Number(call.query['size']);
    if (call.query['size'] === undefined) throw required('size');
    if (!Number.isInteger(size) || size < 0) throw invalid(`Invalid value for field 'size': '${String(call.query['size'])}'. Must be a non-negative integer.`);
    const live = managed(call.tenant, mig.id).filter((r) => !r.data.deleting).length;
    if (size > live) grow(call, mig, size - live);
    else if (size < live) release(call, surplus(call, mig, live - size), false);
    setTarget(mig, size);
    return answer(call, mig, 'compute.instanceGroupManagers.resize');
  },
  'instanceGroupManagers.deleteInstances': (call) => {
    const mig = getRecord(call, MIGS);
    const recs = named(call, mig).filter((r) => !r.data.deleting);
    release(call, recs, false);
    setTarget(mig, Math.max(0, Number(mig.data['targetSize']) - recs.length));
    return answer(call, mig, 'compute.instanceGroupManagers.deleteInstances');
  },
  'instanceGroupManagers.abandonInstances': (call) => {
    const mig = getRecord(call, MIGS);
    const recs = named(call, mig);
    release(call, recs, true);
    setTarget(mig, Math.max(0, Number(mig.data['targetSize']) - recs.length));
    return answer(call, mig, 'compute.instanceGroupManagers.abandonInstances');
  },
  'instanceGroupManagers.setInstanceTemplate': (call) => {
    const mig = getRecord(call, MIGS);
    const tmpl = call.body['instanceTemplate'];
    if (typeof tmpl !== 'string') throw required('instanceTemplate');
    mig.data['instanceTemplate'] = templateLink(call, tmpl);
    setTarget(mig, Number(mig.data['targetSize']));
    return answer(call, mig, 'compute.instanceGroupManagers.setInstanceTemplate');
  },
  'instanceGroupManagers.listManagedInstances': (call) => {
    const mig = getRecord(call, MIGS);
    const render = (r: ResourceRecord<GceInstanceData>): Json => ({
      instance: ref(call.project, r.id), id: r.data.numericId, name: r.data.name, instanceStatus: r.data.status, currentAction: currentAction(r.data),
      version: { instanceTemplate: mig.data['instanceTemplate'] },
    });
    const list = listAnswer(call, 'compute#managedInstance', managed(call.tenant, mig.id), render, `${mig.id}/listManagedInstances`);
    return { managedInstances: list['items'], ...(list['nextPageToken'] ? { nextPageToken: list['nextPageToken'] } : {}) };
  },
});
