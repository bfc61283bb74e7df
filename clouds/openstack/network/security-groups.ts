/** Security groups and their rules; every project has a `default` group (egress anywhere, ingress from itself). */
import type { Engine } from '../../../core/engine.js';
import type { TenantStore } from '../../../core/store.js';
import { OS, type SecurityGroupData, type SecurityGroupRuleData } from '../records.js';

export function defaultSecurityGroup(engine: Engine, tenant: TenantStore, projectId: string): string {
  const existing = [...tenant.collection<SecurityGroupData>(OS.securityGroup).all()].find((g) => g.data.name === 'default');
  if (existing) return existing.id;
  const now = engine.clock.now();
  const id = engine.ids.uuid('openstack:secgroup');
  tenant.collection<SecurityGroupData>(OS.securityGroup).insert({ id, data: { name: 'default', description: 'Default security group', projectId, tags: [], created: now, updated: now, revision: 1, stateful: true } });
  for (const [direction, ethertype] of [['egress', 'IPv4'], ['egress', 'IPv6'], ['ingress', 'IPv4'], ['ingress', 'IPv6']] as const)
    insertRule(engine, tenant, {
      projectId, securityGroupId: id, direction, ethertype, protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null,
      remoteGroupId: direction === 'ingress' ? id : null, description: '',
    });
  return id;
}

export function insertRule(engine: Engine, tenant: TenantStore, r: Omit<SecurityGroupRuleData, 'created' | 'updated' | 'revision'>): string {
  const id = engine.ids.uuid('openstack:secgrouprule');
  const now = engine.clock.now();
  tenant.collection<SecurityGroupRuleData>(OS.securityGroupRule).insert({ id, parent: r.securityGroupId, data: { ...r, created: now, updated: now, revision: 0 } });
  return id;
}
