/**
 * Unmanaged instance groups (the internal load balancer's backends): members kept as their own
 * records under the group, so `size` and listInstances follow add/removeInstances, and
 * setNamedPorts guarded by the group's fingerprint.
 */
import type { ResourceRecord, TenantStore } from '../../../../core/store.js';
import { defineHandlers, operation, scopeOf, type ComputeCall } from '../call.js';
import type { Json } from '../codec.js';
import { defineCollection, fingerprint, getRecord, type CollectionDef } from '../collections.js';
import { listAnswer } from '../lists.js';
import { defineEffect } from '../operations.js';
import { fingerprintMismatch, invalid } from '../problems.js';
import { parseRef, REF } from '../urls.js';
import { G, type GceInstanceData } from '../../records.js';
import { refuseIfReferenced, requireTarget, T } from './load-balancing.js';
import { requireNetwork } from './networks.js';

const MEMBER = 'gcp.compute.instanceGroupMember';

const members = (tenant: TenantStore, groupKey: string) => tenant.collection<Json>(MEMBER).list({ parent: groupKey });

export const GROUPS: CollectionDef = {
  plural: 'instanceGroups', service: 'instanceGroups', type: T.instanceGroup, kind: 'compute#instanceGroup', scope: 'zone', nameParam: 'instanceGroup',
  prepare: (call, ig) => {
    if (ig['network'] !== undefined) requireNetwork(call, ig);
    ig['namedPorts'] ??= [];
    ig['fingerprint'] = fingerprint(ig['namedPorts']);
  },
  decorate: (tenant, rec, out) => {
    out['size'] = members(tenant, rec.id).length;
  },
  beforeDelete: (call, rec) => refuseIfReferenced(call.tenant, rec, [T.backendService], (r) => [((r['backends'] as Json[]) ?? []).map((b) => b['group'])]),
  onDeleted: (tenant, rec) => {
    for (const m of members(tenant, rec.id)) tenant.collection(MEMBER).delete(m.id);
  },
};
defineCollection(GROUPS, ['insert', 'get', 'list', 'aggregatedList', 'delete']);

defineEffect('groupMembers', {
  apply: ({ tenant }, args) => {
    const group = String(args['group']);
    if (!tenant.collection(T.instanceGroup).peek(group)) return;
    const coll = tenant.collection<Json>(MEMBER);
    for (const inst of args['instances'] as string[]) {
      const id = `${group}|${inst}`;
      if (!args['add']) coll.delete(id);
      else if (!coll.peek(id)) {
        const rec = tenant.collection<GceInstanceData>(G.instance).peek(parseRef(inst, tenant.id)?.key ?? '');
        coll.insert({ id, parent: group, data: { instance: inst, ip: rec?.data.networkIp } });
      }
    }
  },
});
defineEffect('namedPorts', {
  apply: ({ tenant }, args) => {
    const rec = tenant.collection<Json>(T.instanceGroup).peek(String(args['group']));
    if (!rec) return;
    rec.data['namedPorts'] = args['namedPorts'];
    rec.data['fingerprint'] = fingerprint(args['namedPorts']);
  },
});

function changeMembers(add: boolean) {
  return (call: ComputeCall) => {
    const rec = getRecord(call, GROUPS);
    const zoneLink = `${REF}projects/${call.project}/zones/${call.params['zone']}`;
    const instances = ((call.body['instances'] as Json[] | undefined) ?? []).map((i, n) => {
      const link = requireTarget(call, i['instance'], 'instances', `instances[${n}].instance`);
      if (!link.startsWith(`${zoneLink}/`)) throw invalid(`Invalid value for field 'resource.instances[${n}].instance': '${String(i['instance'])}'. Instance must be in the same zone as the instance group.`);
      return link;
    });
    return operation(call, { scope: scopeOf(call), operationType: add ? 'addInstances' : 'removeInstances', target: rec.id, targetId: String(rec.data['id']), effect: { kind: 'groupMembers', args: { group: rec.id, add, instances } } });
  };
}

defineHandlers({
  'instanceGroups.addInstances': changeMembers(true),
  'instanceGroups.removeInstances': changeMembers(false),
  'instanceGroups.listInstances': (call) => {
    const rec = getRecord(call, GROUPS);
    const rows: Array<ResourceRecord<Json>> = members(call.tenant, rec.id);
    const running = call.body['instanceState'] === 'RUNNING';
    const render = (m: ResourceRecord<Json>): Json => {
      const inst = call.tenant.collection<GceInstanceData>(G.instance).peek(parseRef(String(m.data['instance']), call.project)?.key ?? '');
      return { instance: m.data['instance'], status: inst?.data.status ?? 'TERMINATED', namedPorts: rec.data['namedPorts'] };
    };
    const visible = running ? rows.filter((m) => render(m)['status'] === 'RUNNING') : rows;
    const answer = listAnswer(call, 'compute#instanceWithNamedPorts', visible, render, `${rec.id}/listInstances`);
    return { ...answer, kind: 'compute#instanceGroupsListInstances' };
  },
  'instanceGroups.setNamedPorts': (call) => {
    const rec = getRecord(call, GROUPS);
    if (call.body['fingerprint'] !== undefined && call.body['fingerprint'] !== rec.data['fingerprint']) throw fingerprintMismatch('fingerprint');
    return operation(call, { scope: scopeOf(call), operationType: 'setNamedPorts', target: rec.id, targetId: String(rec.data['id']), effect: { kind: 'namedPorts', args: { group: rec.id, namedPorts: (call.body['namedPorts'] as Json[] | undefined) ?? [] } } });
  },
});
