/** Neutron security groups and their rules (409 on a duplicate rule); every project has a `default` group (egress anywhere, ingress from itself). */
import type { Engine } from '../../../core/engine.js';
import type { TenantStore } from '../../../core/store.js';
import type { ResourceRecord } from '../../../core/store.js';
import { OS, type PortData, type SecurityGroupData, type SecurityGroupRuleData } from '../records.js';
import { projectOf, type Handler, type OsContext } from '../shared/context.js';
import { bool, int, jsonBody, member, noContent, ok, str } from '../shared/wire.js';
import { findIn, listReply, neutronBadRequest, neutronError, neutronNotFound, stamp, touchUpdated } from './common.js';
import { parseCidr, intToIp } from './ips.js';

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


export function renderRule(c: OsContext, rec: ResourceRecord<SecurityGroupRuleData>): Record<string, unknown> & { id: string } {
  const d = rec.data;
  return {
    id: rec.id, tenant_id: d.projectId, project_id: d.projectId, security_group_id: d.securityGroupId, direction: d.direction, ethertype: d.ethertype, protocol: d.protocol,
    port_range_min: d.portRangeMin, port_range_max: d.portRangeMax, remote_ip_prefix: d.remoteIpPrefix, normalized_cidr: d.remoteIpPrefix, remote_group_id: d.remoteGroupId,
    remote_address_group_id: null, description: d.description, tags: [], created_at: new Date(d.created).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    updated_at: new Date(d.updated).toISOString().replace(/\.\d{3}Z$/, 'Z'), revision_number: d.revision, belongs_to_default_sg: false,
  };
}

function renderGroup(c: OsContext, rec: ResourceRecord<SecurityGroupData>): Record<string, unknown> & { id: string } {
  const rules = projectOf(c).collection<SecurityGroupRuleData>(OS.securityGroupRule).peekChildren(rec.id).map((r) => renderRule(c, r));
  return { id: rec.id, ...stamp(rec.data, projectOf(c).id), stateful: rec.data.stateful, shared: false, security_group_rules: rules };
}

const PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, sctp: 132, ipv6_icmp: 58, 'ipv6-icmp': 58, icmpv6: 58 };

const createGroup: Handler = (c) => {
  const tenant = projectOf(c);
  const g = member(jsonBody(c.req), 'security_group');
  const name = str(g, 'name') ?? '';
  if (name === 'default' && [...tenant.collection<SecurityGroupData>(OS.securityGroup).all()].some((x) => x.data.name === 'default'))
    throw neutronError(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
  const now = c.engine.clock.now();
  const id = c.engine.ids.uuid('openstack:secgroup');
  const rec = tenant.collection<SecurityGroupData>(OS.securityGroup).insert({ id, data: { name, description: str(g, 'description') ?? '', projectId: tenant.id, tags: [], created: now, updated: now, revision: 1, stateful: bool(g, 'stateful') ?? true } });
  for (const ethertype of ['IPv4', 'IPv6'] as const)
    insertRule(c.engine, tenant, { projectId: tenant.id, securityGroupId: id, direction: 'egress', ethertype, protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: null, description: '' });
  c.call.touch(id);
  return ok({ security_group: renderGroup(c, rec) }, 201);
};

const updateGroup: Handler = (c) => {
  const { rec } = findIn<SecurityGroupData>(c, OS.securityGroup, c.params['id']!, 'Security group');
  const g = member(jsonBody(c.req), 'security_group');
  rec.data.name = str(g, 'name') ?? rec.data.name;
  rec.data.description = str(g, 'description') ?? rec.data.description;
  touchUpdated(c, rec.data);
  return ok({ security_group: renderGroup(c, rec) });
};

const deleteGroup: Handler = (c) => {
  const tenant = projectOf(c);
  const { rec } = findIn<SecurityGroupData>(c, OS.securityGroup, c.params['id']!, 'Security group');
  if ([...tenant.collection<PortData>(OS.port).all()].some((p) => p.data.securityGroups.includes(rec.id)))
    throw neutronError(409, 'SecurityGroupInUse', `Security Group ${rec.id} in use.`);
  for (const r of tenant.collection(OS.securityGroupRule).peekChildren(rec.id)) tenant.collection(OS.securityGroupRule).delete(r.id);
  tenant.collection(OS.securityGroup).delete(rec.id);
  return noContent();
};

const createRule: Handler = (c) => {
  const tenant = projectOf(c);
  const r = member(jsonBody(c.req), 'security_group_rule');
  const sgId = str(r, 'security_group_id');
  if (!sgId || !tenant.collection(OS.securityGroup).peek(sgId)) throw neutronNotFound('Security group', sgId ?? '');
  const direction = str(r, 'direction');
  if (direction !== 'ingress' && direction !== 'egress') throw neutronBadRequest(`Invalid input for direction. Reason: ${String(direction)} is not in valid_values.`);
  const ethertype = str(r, 'ethertype') ?? 'IPv4';
  if (ethertype !== 'IPv4' && ethertype !== 'IPv6') throw neutronBadRequest(`Invalid input for ethertype. Reason: ${ethertype} is not in valid_values.`);
  const rawProto = r['protocol'] === undefined || r['protocol'] === null ? null : String(r['protocol']).toLowerCase();
  if (rawProto !== null && !(rawProto in PROTOCOLS) && !(/^\d+$/.test(rawProto) && Number(rawProto) <= 255) && rawProto !== 'any')
    throw neutronError(400, 'SecurityGroupRuleInvalidProtocol', `Security group rule protocol ${rawProto} not supported. Only protocol values [None, 'ah', 'dccp', 'egp', 'esp', 'gre', 'icmp', 'icmpv6', 'igmp', 'ipip', 'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', 'ospf', 'pgm', 'rsvp', 'sctp', 'tcp', 'udp', 'udplite', 'vrrp'] and integer representations [0 to 255] are supported.`);
  const protocol = rawProto === 'any' ? null : rawProto;
  const min = int(r, 'port_range_min') ?? null;
  const max = int(r, 'port_range_max') ?? null;
  if ((min !== null || max !== null) && protocol === null) throw neutronError(400, 'SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.');
  if ((protocol === 'tcp' || protocol === 'udp' || protocol === '6' || protocol === '17') && min !== null && (min < 1 || min > 65535 || (max !== null && (max < min || max > 65535))))
    throw neutronError(400, 'SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max');
  let prefix = str(r, 'remote_ip_prefix') ?? null;
  if (prefix !== null) {
    const cidr = parseCidr(prefix.includes('/') ? prefix : `${prefix}/32`);
    if (!cidr) throw neutronBadRequest(`Invalid input for remote_ip_prefix. Reason: '${prefix}' is not a valid IP subnet.`);
    prefix = `${intToIp(cidr.base)}/${cidr.bits}`;
  }
  const remoteGroupId = str(r, 'remote_group_id') ?? null;
  const rule = { projectId: tenant.id, securityGroupId: sgId, direction, ethertype, protocol, portRangeMin: min, portRangeMax: max ?? min, remoteIpPrefix: prefix, remoteGroupId, description: str(r, 'description') ?? '' } as const;
  for (const existing of tenant.collection<SecurityGroupRuleData>(OS.securityGroupRule).peekChildren(sgId)) {
    const e = existing.data;
    if (e.direction === rule.direction && e.ethertype === rule.ethertype && e.protocol === rule.protocol && e.portRangeMin === rule.portRangeMin && e.portRangeMax === rule.portRangeMax && e.remoteIpPrefix === rule.remoteIpPrefix && e.remoteGroupId === rule.remoteGroupId)
      throw neutronError(409, 'SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${existing.id}.`);
  }
  const id = insertRule(c.engine, tenant, rule);
  c.call.touch(id, sgId);
  return ok({ security_group_rule: renderRule(c, tenant.collection<SecurityGroupRuleData>(OS.securityGroupRule).peek(id)!) }, 201);
};

const deleteRule: Handler = (c) => {
  const { rec } = findIn<SecurityGroupRuleData>(c, OS.securityGroupRule, c.params['id']!, 'Security group rule');
  projectOf(c).collection(OS.securityGroupRule).delete(rec.id);
  return noContent();
};

export const securityGroupHandlers = {
  list: ((c) => listReply(c, 'security_groups', projectOf(c).collection<SecurityGroupData>(OS.securityGroup).list().map((r) => renderGroup(c, r)), 'Security group')) as Handler,
  get: ((c) => ok({ security_group: renderGroup(c, findIn<SecurityGroupData>(c, OS.securityGroup, c.params['id']!, 'Security group').rec) })) as Handler,
  create: createGroup,
  update: updateGroup,
  remove: deleteGroup,
};

export const ruleHandlers = {
  list: ((c) => listReply(c, 'security_group_rules', projectOf(c).collection<SecurityGroupRuleData>(OS.securityGroupRule).list().map((r) => renderRule(c, r)), 'Security group rule')) as Handler,
  get: ((c) => ok({ security_group_rule: renderRule(c, findIn<SecurityGroupRuleData>(c, OS.securityGroupRule, c.params['id']!, 'Security group rule').rec) })) as Handler,
  create: createRule,
  remove: deleteRule,
};
