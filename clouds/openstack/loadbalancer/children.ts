/**
 * Octavia's listeners, pools, members and health monitors. Each create/update/delete puts the
 * load balancer in PENDING_UPDATE (409 unless it is ACTIVE) and the object in PENDING_*, settled
 * when the load balancer is ACTIVE again; the member batch update (PUT, 202) replaces a pool's set.
 */
import type { ResourceRecord } from '../../../core/store.js';
import { OS, type HealthMonitorData, type ListenerData, type MemberData, type PoolData } from '../records.js';
import { projectOf, type Handler, type OsContext } from '../shared/context.js';
import { jsonBody, member, noContent, ok } from '../shared/wire.js';
import { CloudError } from '../../../core/errors.js';
import { beginUpdate, common, findChild, intIn, octaviaBad, octaviaList, oneOf, renderCommon, updateCommon } from './common.js';

const PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'UDP', 'TERMINATED_HTTPS', 'SCTP', 'PROXY', 'PROXYV2'] as const;
const ALGORITHMS = ['ROUND_ROBIN', 'LEAST_CONNECTIONS', 'SOURCE_IP', 'SOURCE_IP_PORT'] as const;
const MONITORS = ['HTTP', 'HTTPS', 'PING', 'TCP', 'TLS-HELLO', 'UDP-CONNECT', 'SCTP'] as const;

const str = (o: Record<string, unknown>, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);

export function renderListener(rec: ResourceRecord<ListenerData>): Record<string, unknown> & { id: string } {
  const d = rec.data;
  return {
    id: rec.id, ...renderCommon(d), protocol: d.protocol, protocol_port: d.protocolPort, connection_limit: d.connectionLimit, default_pool_id: d.defaultPoolId,
    loadbalancers: [{ id: d.lbId }], l7policies: [], insert_headers: d.insertHeaders, default_tls_container_ref: d.defaultTlsContainerRef, sni_container_refs: [],
    timeout_client_data: d.timeouts.client_data, timeout_member_connect: d.timeouts.member_connect, timeout_member_data: d.timeouts.member_data, timeout_tcp_inspect: d.timeouts.tcp_inspect,
    allowed_cidrs: d.allowedCidrs.length ? d.allowedCidrs : null, tls_ciphers: null, tls_versions: null, alpn_protocols: null, hsts_max_age: null, hsts_include_subdomains: false, hsts_preload: false,
  };
}

export function renderPool(c: OsContext, rec: ResourceRecord<PoolData>): Record<string, unknown> & { id: string } {
  const d = rec.data;
  const members = projectOf(c).collection<MemberData>(OS.member).peekChildren(rec.id);
  return {
    id: rec.id, ...renderCommon(d), protocol: d.protocol, lb_algorithm: d.lbAlgorithm, session_persistence: d.sessionPersistence, healthmonitor_id: d.healthMonitorId,
    loadbalancers: [{ id: d.lbId }], listeners: d.listenerIds.map((id) => ({ id })), members: members.map((m) => ({ id: m.id })),
    tls_enabled: false, tls_container_ref: null, ca_tls_container_ref: null, crl_container_ref: null, tls_ciphers: null, tls_versions: null, alpn_protocols: null,
  };
}

export function renderMember(rec: ResourceRecord<MemberData>): Record<string, unknown> & { id: string } {
  const d = rec.data;
  return {
    id: rec.id, ...renderCommon(d), address: d.address, protocol_port: d.protocolPort, subnet_id: d.subnetId, weight: d.weight, backup: d.backup,
    monitor_port: d.monitorPort, monitor_address: d.monitorAddress, vnic_type: 'normal',
  };
}

export function renderMonitor(rec: ResourceRecord<HealthMonitorData>): Record<string, unknown> & { id: string } {
  const d = rec.data;
  const http = d.type === 'HTTP' || d.type === 'HTTPS';
  return {
    id: rec.id, ...renderCommon(d), type: d.type, delay: d.delay, timeout: d.timeout, max_retries: d.maxRetries, max_retries_down: d.maxRetriesDown,
    url_path: http ? d.urlPath : null, http_method: http ? d.httpMethod : null, expected_codes: http ? d.expectedCodes : null, http_version: http ? 1.0 : null, domain_name: null,
    pools: [{ id: d.poolId }],
  };
}

/** Create a listener (and its default pool tree) under a load balancer; used by POST /listeners and the fully populated LB create. */
export function createListener(c: OsContext, lbId: string, o: Record<string, unknown>, status = 'PENDING_CREATE'): ResourceRecord<ListenerData> {
  const tenant = projectOf(c);
  const protocol = oneOf(o, 'protocol', PROTOCOLS);
  const port = intIn(o, 'protocol_port', 1, 65535);
  if ([...tenant.collection<ListenerData>(OS.listener).all()].some((l) => l.data.lbId === lbId && l.data.protocolPort === port && l.data.provisioningStatus !== 'PENDING_DELETE' && (l.data.protocol === 'UDP') === (protocol === 'UDP')))
    throw new CloudError('Conflict', 409, `Another Listener on this Load Balancer is already using protocol_port ${port}`);
  const cidrs = Array.isArray(o['allowed_cidrs']) ? (o['allowed_cidrs'] as unknown[]).filter((x): x is string => typeof x === 'string') : [];
  const headers = o['insert_headers'] && typeof o['insert_headers'] === 'object' ? (o['insert_headers'] as Record<string, string>) : {};
  const rec = tenant.collection<ListenerData>(OS.listener).insert({
    id: c.engine.ids.uuid('openstack:listener'),
    parent: lbId,
    data: {
      ...common(c, lbId, o, status), protocol, protocolPort: port, defaultPoolId: null, connectionLimit: intIn(o, 'connection_limit', -1, 1_000_000, -1), allowedCidrs: cidrs,
      timeouts: { client_data: intIn(o, 'timeout_client_data', 0, 86_400_000, 50000), member_connect: intIn(o, 'timeout_member_connect', 0, 86_400_000, 5000), member_data: intIn(o, 'timeout_member_data', 0, 86_400_000, 50000), tcp_inspect: intIn(o, 'timeout_tcp_inspect', 0, 86_400_000, 0) },
      insertHeaders: headers, defaultTlsContainerRef: str(o, 'default_tls_container_ref') ?? null,
    },
  });
  c.call.touch(rec.id);
  const dp = o['default_pool'];
  if (dp && typeof dp === 'object') {
    const pool = createPool(c, lbId, dp as Record<string, unknown>, [rec.id], status);
    rec.data.defaultPoolId = pool.id;
  } else if (typeof o['default_pool_id'] === 'string') {
    const pool = findChild<PoolData>(c, OS.pool, o['default_pool_id'], 'Pool');
    pool.data.listenerIds = [...pool.data.listenerIds, rec.id];
    rec.data.defaultPoolId = pool.id;
  }
  return rec;
}

export function createPool(c: OsContext, lbId: string, o: Record<string, unknown>, listenerIds: string[], status = 'PENDING_CREATE'): ResourceRecord<PoolData> {
  const tenant = projectOf(c);
  const sp = o['session_persistence'];
  const rec = tenant.collection<PoolData>(OS.pool).insert({
    id: c.engine.ids.uuid('openstack:pool'),
    parent: lbId,
    data: { ...common(c, lbId, o, status), listenerIds, protocol: oneOf(o, 'protocol', PROTOCOLS), lbAlgorithm: oneOf(o, 'lb_algorithm', ALGORITHMS), sessionPersistence: sp && typeof sp === 'object' ? (sp as Record<string, unknown>) : null, healthMonitorId: null },
  });
  c.call.touch(rec.id);
  for (const m of Array.isArray(o['members']) ? (o['members'] as Record<string, unknown>[]) : []) createMember(c, rec, m, status);
  const hm = o['healthmonitor'];
  if (hm && typeof hm === 'object') createMonitor(c, rec, hm as Record<string, unknown>, status);
  return rec;
}

export function createMember(c: OsContext, pool: ResourceRecord<PoolData>, o: Record<string, unknown>, status = 'PENDING_CREATE'): ResourceRecord<MemberData> {
  const address = str(o, 'address');
  if (!address) throw octaviaBad("Invalid input for field/attribute address. Value: 'None'. Mandatory field missing.");
  const port = intIn(o, 'protocol_port', 1, 65535);
  const tenant = projectOf(c);
  if (tenant.collection<MemberData>(OS.member).peekChildren(pool.id).some((m) => m.data.address === address && m.data.protocolPort === port && m.data.provisioningStatus !== 'PENDING_DELETE'))
    throw new CloudError('Conflict', 409, `Another member on this pool is already using ip ${address} on protocol_port ${port}`);
  const rec = tenant.collection<MemberData>(OS.member).insert({
    id: c.engine.ids.uuid('openstack:member'),
    parent: pool.id,
    data: {
      ...common(c, pool.data.lbId, o, status), poolId: pool.id, address, protocolPort: port, subnetId: str(o, 'subnet_id') ?? null, monitorPort: typeof o['monitor_port'] === 'number' ? o['monitor_port'] : null,
      monitorAddress: str(o, 'monitor_address') ?? null, weight: intIn(o, 'weight', 0, 256, 1), backup: o['backup'] === true,
    },
  });
  c.call.touch(rec.id);
  return rec;
}

export function createMonitor(c: OsContext, pool: ResourceRecord<PoolData>, o: Record<string, unknown>, status = 'PENDING_CREATE'): ResourceRecord<HealthMonitorData> {
  if (pool.data.healthMonitorId) throw new CloudError('Conflict', 409, `This Pool already has a Health Monitor`);
  const delay = intIn(o, 'delay', 0, 2_147_483_647);
  const timeout = intIn(o, 'timeout', 0, 2_147_483_647);
  if (timeout > delay) throw octaviaBad('The timeout must be less than or equal to the delay.');
  const rec = projectOf(c).collection<HealthMonitorData>(OS.healthMonitor).insert({
    id: c.engine.ids.uuid('openstack:healthmonitor'),
    parent: pool.id,
    data: {
      ...common(c, pool.data.lbId, o, status), poolId: pool.id, type: oneOf(o, 'type', MONITORS), delay, timeout, maxRetries: intIn(o, 'max_retries', 1, 10),
      maxRetriesDown: intIn(o, 'max_retries_down', 1, 10, 3), urlPath: str(o, 'url_path') ?? '/', httpMethod: str(o, 'http_method') ?? 'GET', expectedCodes: str(o, 'expected_codes') ?? '200',
    },
  });
  pool.data.healthMonitorId = rec.id;
  c.call.touch(rec.id);
  return rec;
}

// --- handlers -----------------------------------------------------------------------------------

const listenerCreate: Handler = (c) => {
  const o = member(jsonBody(c.req), 'listener');
  const lbId = str(o, 'loadbalancer_id');
  if (!lbId) throw octaviaBad("Invalid input for field/attribute loadbalancer_id. Value: 'None'. Mandatory field missing.");
  beginUpdate(c, lbId);
  return ok({ listener: renderListener(createListener(c, lbId, o)) }, 201);
};

const listenerUpdate: Handler = (c) => {
  const rec = findChild<ListenerData>(c, OS.listener, c.params['id']!, 'Listener');
  const o = member(jsonBody(c.req), 'listener');
  beginUpdate(c, rec.data.lbId);
  updateCommon(c, rec.data, o);
  if (Array.isArray(o['allowed_cidrs'])) rec.data.allowedCidrs = (o['allowed_cidrs'] as unknown[]).filter((x): x is string => typeof x === 'string');
  if (o['connection_limit'] !== undefined) rec.data.connectionLimit = intIn(o, 'connection_limit', -1, 1_000_000);
  for (const k of ['client_data', 'member_connect', 'member_data', 'tcp_inspect'] as const) if (o[`timeout_${k}`] !== undefined) rec.data.timeouts[k] = intIn(o, `timeout_${k}`, 0, 86_400_000);
  if (o['default_pool_id'] !== undefined) rec.data.defaultPoolId = str(o, 'default_pool_id') ?? null;
  if (o['insert_headers'] && typeof o['insert_headers'] === 'object') rec.data.insertHeaders = o['insert_headers'] as Record<string, string>;
  return ok({ listener: renderListener(rec) });
};

const listenerDelete: Handler = (c) => {
  const rec = findChild<ListenerData>(c, OS.listener, c.params['id']!, 'Listener');
  beginUpdate(c, rec.data.lbId);
  rec.data.provisioningStatus = 'PENDING_DELETE';
  for (const p of projectOf(c).collection<PoolData>(OS.pool).all()) if (p.data.listenerIds.includes(rec.id)) p.data.listenerIds = p.data.listenerIds.filter((x) => x !== rec.id);
  return noContent();
};

const poolCreate: Handler = (c) => {
  const o = member(jsonBody(c.req), 'pool');
  const listenerId = str(o, 'listener_id');
  let lbId = str(o, 'loadbalancer_id');
  let listener: ResourceRecord<ListenerData> | undefined;
  if (listenerId) {
    listener = findChild<ListenerData>(c, OS.listener, listenerId, 'Listener');
    lbId = listener.data.lbId;
    if (listener.data.defaultPoolId) throw new CloudError('Conflict', 409, `Listener ${listenerId} already has a default pool`);
  }
  if (!lbId) throw octaviaBad('Either listener_id or loadbalancer_id must be specified.');
  beginUpdate(c, lbId);
  const pool = createPool(c, lbId, o, listener ? [listener.id] : []);
  if (listener) listener.data.defaultPoolId = pool.id;
  return ok({ pool: renderPool(c, pool) }, 201);
};

const poolUpdate: Handler = (c) => {
  const rec = findChild<PoolData>(c, OS.pool, c.params['id']!, 'Pool');
  const o = member(jsonBody(c.req), 'pool');
  beginUpdate(c, rec.data.lbId);
  updateCommon(c, rec.data, o);
  if (o['lb_algorithm'] !== undefined) rec.data.lbAlgorithm = oneOf(o, 'lb_algorithm', ALGORITHMS);
  if (o['session_persistence'] !== undefined) rec.data.sessionPersistence = (o['session_persistence'] as Record<string, unknown> | null) ?? null;
  return ok({ pool: renderPool(c, rec) });
};

const poolDelete: Handler = (c) => {
  const tenant = projectOf(c);
  const rec = findChild<PoolData>(c, OS.pool, c.params['id']!, 'Pool');
  beginUpdate(c, rec.data.lbId);
  rec.data.provisioningStatus = 'PENDING_DELETE';
  for (const m of tenant.collection<MemberData>(OS.member).peekChildren(rec.id)) m.data.provisioningStatus = 'PENDING_DELETE';
  for (const h of tenant.collection<HealthMonitorData>(OS.healthMonitor).peekChildren(rec.id)) h.data.provisioningStatus = 'PENDING_DELETE';
  for (const l of tenant.collection<ListenerData>(OS.listener).all()) if (l.data.defaultPoolId === rec.id) l.data.defaultPoolId = null;
  return noContent();
};

const memberCreate: Handler = (c) => {
  const pool = findChild<PoolData>(c, OS.pool, c.params['pool_id']!, 'Pool');
  const o = member(jsonBody(c.req), 'member');
  beginUpdate(c, pool.data.lbId);
  return ok({ member: renderMember(createMember(c, pool, o)) }, 201);
};

function findMember(c: OsContext): ResourceRecord<MemberData> {
  const rec = findChild<MemberData>(c, OS.member, c.params['id']!, 'Member');
  if (rec.data.poolId !== c.params['pool_id']) throw new CloudError('NotFound', 404, `Member ${c.params['id']} not found.`);
  return rec;
}

const memberUpdate: Handler = (c) => {
  const rec = findMember(c);
  const o = member(jsonBody(c.req), 'member');
  beginUpdate(c, rec.data.lbId);
  updateCommon(c, rec.data, o);
  if (o['weight'] !== undefined) rec.data.weight = intIn(o, 'weight', 0, 256);
  if (o['backup'] !== undefined) rec.data.backup = o['backup'] === true;
  return ok({ member: renderMember(rec) });
};

const memberDelete: Handler = (c) => {
  const rec = findMember(c);
  beginUpdate(c, rec.data.lbId);
  rec.data.provisioningStatus = 'PENDING_DELETE';
  return noContent();
};

/** PUT /pools/{id}/members: the pool's members become exactly these (matched by address and port). */
const memberBatch: Handler = (c) => {
  const tenant = projectOf(c);
  const pool = findChild<PoolData>(c, OS.pool, c.params['pool_id']!, 'Pool');
  const list = jsonBody(c.req)['members'];
  if (!Array.isArray(list)) throw octaviaBad("Invalid input for field/attribute members. Value: 'None'. Mandatory field missing.");
  beginUpdate(c, pool.data.lbId);
  const existing = tenant.collection<MemberData>(OS.member).peekChildren(pool.id).filter((m) => m.data.provisioningStatus !== 'PENDING_DELETE');
  const seen = new Set<string>();
  for (const o of list as Record<string, unknown>[]) {
    const match = existing.find((m) => m.data.address === o['address'] && m.data.protocolPort === o['protocol_port']);
    if (match) {
      seen.add(match.id);
      updateCommon(c, match.data, o);
      if (typeof o['weight'] === 'number') match.data.weight = o['weight'];
      if (typeof o['monitor_port'] === 'number') match.data.monitorPort = o['monitor_port'];
    } else seen.add(createMember(c, pool, o).id);
  }
  for (const m of existing) if (!seen.has(m.id)) m.data.provisioningStatus = 'PENDING_DELETE';
  return { status: 202 };
};

const monitorCreate: Handler = (c) => {
  const o = member(jsonBody(c.req), 'healthmonitor');
  const poolId = str(o, 'pool_id');
  if (!poolId) throw octaviaBad("Invalid input for field/attribute pool_id. Value: 'None'. Mandatory field missing.");
  const pool = findChild<PoolData>(c, OS.pool, poolId, 'Pool');
  beginUpdate(c, pool.data.lbId);
  return ok({ healthmonitor: renderMonitor(createMonitor(c, pool, o)) }, 201);
};

const monitorUpdate: Handler = (c) => {
  const rec = findChild<HealthMonitorData>(c, OS.healthMonitor, c.params['id']!, 'Health Monitor');
  const o = member(jsonBody(c.req), 'healthmonitor');
  beginUpdate(c, rec.data.lbId);
  updateCommon(c, rec.data, o);
  if (o['delay'] !== undefined) rec.data.delay = intIn(o, 'delay', 0, 2_147_483_647);
  if (o['timeout'] !== undefined) rec.data.timeout = intIn(o, 'timeout', 0, 2_147_483_647);
  if (o['max_retries'] !== undefined) rec.data.maxRetries = intIn(o, 'max_retries', 1, 10);
  if (o['max_retries_down'] !== undefined) rec.data.maxRetriesDown = intIn(o, 'max_retries_down', 1, 10);
  return ok({ healthmonitor: renderMonitor(rec) });
};

const monitorDelete: Handler = (c) => {
  const rec = findChild<HealthMonitorData>(c, OS.healthMonitor, c.params['id']!, 'Health Monitor');
  beginUpdate(c, rec.data.lbId);
  rec.data.provisioningStatus = 'PENDING_DELETE';
  const pool = projectOf(c).collection<PoolData>(OS.pool).peek(rec.data.poolId);
  if (pool) pool.data.healthMonitorId = null;
  return noContent();
};

const list = <T>(type: string, plural: string, kind: string, render: (c: OsContext, r: ResourceRecord<T>) => Record<string, unknown> & { id: string }): Handler => (c) =>
  octaviaList(c, plural, projectOf(c).collection<T>(type).list().map((r) => render(c, r)), kind);

export const listenerHandlers = {
  list: list<ListenerData>(OS.listener, 'listeners', 'Listener', (_c, r) => renderListener(r)),
  get: ((c) => ok({ listener: renderListener(findChild<ListenerData>(c, OS.listener, c.params['id']!, 'Listener')) })) as Handler,
  create: listenerCreate, update: listenerUpdate, remove: listenerDelete,
};
export const poolHandlers = {
  list: list<PoolData>(OS.pool, 'pools', 'Pool', renderPool),
  get: ((c) => ok({ pool: renderPool(c, findChild<PoolData>(c, OS.pool, c.params['id']!, 'Pool')) })) as Handler,
  create: poolCreate, update: poolUpdate, remove: poolDelete,
};
export const memberHandlers = {
  list: ((c) => {
    const pool = findChild<PoolData>(c, OS.pool, c.params['pool_id']!, 'Pool');
    return octaviaList(c, 'members', projectOf(c).collection<MemberData>(OS.member).peekChildren(pool.id).map(renderMember), 'Member');
  }) as Handler,
  get: ((c) => ok({ member: renderMember(findMember(c)) })) as Handler,
  create: memberCreate, update: memberUpdate, remove: memberDelete, batch: memberBatch,
};
export const monitorHandlers = {
  list: list<HealthMonitorData>(OS.healthMonitor, 'healthmonitors', 'Health Monitor', (_c, r) => renderMonitor(r)),
  get: ((c) => ok({ healthmonitor: renderMonitor(findChild<HealthMonitorData>(c, OS.healthMonitor, c.params['id']!, 'Health Monitor')) })) as Handler,
  create: monitorCreate, update: monitorUpdate, remove: monitorDelete,
};
