/**
 * OpenStack: Keystone, Nova, Cinder, Neutron, Octavia and the metadata tree, with a real token
 * (from `setup`) most of the time and malformed everything else: bodies, microversions, filters,
 * markers, ids, content types, methods.
 */
import { expect } from 'vitest';
import { clean, oversized, send, type FuzzGenerator, type FuzzRequest, type FuzzResponse, type Rng } from '../harness.js';

/** Filled by setup: the token and project id of the default scenario's user, and real resource ids. */
const session = { token: '', project: '' };
const REAL: string[] = [];

const enc = (s: string): string => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD')).replace(/%EF%BF%BD/g, '%ED%A0%80');
const OS = '/openstack';
const SERVERS = ['node-a', 'node-b', 'node-c'];

function id(rng: Rng): string {
  return rng.pick([
    () => rng.pick(SERVERS),
    () => (REAL.length ? rng.pick(REAL) : 'x'),
    () => (REAL.length ? rng.pick(REAL) : 'x'),
    () => '00000000-0000-0000-0000-000000000000',
    () => rng.word(),
    () => clean(enc(rng.nasty())),
    () => 'detail',
    () => '..',
  ])();
}

function value(rng: Rng, depth = 0): unknown {
  const k = rng.int(depth > 2 ? 4 : 7);
  if (k === 0) return rng.nasty();
  if (k === 1) return rng.pick([0, -1, 1, 10, 1e308, 2 ** 53 + 1, 1.5, '10', 'x']);
  if (k === 2) return rng.pick([true, false, null]);
  if (k === 3) return rng.pick(['fauxcloud-subnet', 'public', '10.0.0.5', 'nova', '__DEFAULT__', 'ROUND_ROBIN', 'HTTP', 'TCP', 'ingress', 'IPv4']);
  if (k === 4) return Array.from({ length: rng.int(3) }, () => value(rng, depth + 1));
  if (k === 5) return Object.fromEntries(Array.from({ length: rng.int(3) }, () => [rng.chance(0.5) ? rng.word(6) : rng.nasty(), value(rng, depth + 1)]));
  return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(FIELDS), value(rng, depth + 1)]));
}

const FIELDS = [
  'name', 'size', 'volume_type', 'availability_zone', 'snapshot_id', 'source_volid', 'backup_id', 'metadata', 'description', 'multiattach', 'force', 'cascade',
  'network_id', 'subnet_id', 'fixed_ips', 'ip_address', 'cidr', 'ip_version', 'allowed_address_pairs', 'security_groups', 'port_security_enabled', 'device_id',
  'floating_network_id', 'port_id', 'routes', 'router', 'direction', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'security_group_id', 'ethertype',
  'vip_subnet_id', 'vip_network_id', 'vip_port_id', 'listeners', 'pools', 'members', 'healthmonitor', 'protocol_port', 'lb_algorithm', 'loadbalancer_id', 'address',
  'volumeId', 'device', 'tag', 'new_size', 'status', 'tags', '__proto__', 'constructor', 'prototype', 'id', 'project_id', 'tenant_id',
];

/** A body: mostly the resource envelope the service wants, with junk inside; sometimes junk outright. */
function body(rng: Rng, wrapper: string): string | undefined {
  return rng.pick([
    () => JSON.stringify({ [wrapper]: Object.fromEntries(Array.from({ length: rng.int(5) }, () => [rng.pick(FIELDS), value(rng)])) }),
    () => JSON.stringify({ [wrapper]: Object.fromEntries(Array.from({ length: rng.int(5) }, () => [rng.pick(FIELDS), value(rng)])) }),
    () => JSON.stringify(value(rng)),
    () => `{"${wrapper}":`,
    () => `{"__proto__":{"polluted":true},"${wrapper}":{"name":"fz"}}`,
    () => `{"${wrapper}":{"__proto__":{"admin":true},"name":"fz"}}`,
    () => `${'['.repeat(3000)}${']'.repeat(3000)}`,
    () => `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`,
    () => JSON.stringify({ [wrapper]: { name: 'x'.repeat(70_000) } }),
    () => 'null',
    () => '',
    () => rng.nasty(),
    () => undefined,
  ])();
}

function headers(rng: Rng, service?: string): Record<string, string> {
  const h: Record<string, string> = {};
  const tok = rng.next();
  if (tok < 0.8) h['x-auth-token'] = session.token;
  else if (tok < 0.9) h['x-auth-token'] = rng.pick(['', 'gAAAAAbogus', rng.word(40)]);
  if (rng.chance(0.85)) h['content-type'] = 'application/json';
  else if (rng.chance(0.6)) h['content-type'] = rng.pick(['text/plain', 'application/xml', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']);
  if (service && rng.chance(0.5)) {
    const v = rng.pick(['2.1', '2.96', '2.97', '3.0', '3.71', '3.72', 'latest', 'LATEST', '1.0', '2', '2.', '.5', 'x.y', '2.1.1', '99999999999999999999.1', '-2.3', '', ' 2.5 ', rng.nasty()]);
    const how = rng.int(3);
    if (how === 0) h['openstack-api-version'] = `${service} ${v}`;
    else if (how === 1) h['x-openstack-nova-api-version'] = v;
    else h['openstack-api-version'] = rng.pick([`${service}`, `${service} ${v}, ${service} 2.1`, `nope ${v}`, v, `${service}  ${v}`]);
  }
  return h;
}

function query(rng: Rng, keys: readonly string[]): string {
  const q = new URLSearchParams();
  for (let i = rng.int(4); i > 0; i--) {
    const k = rng.pick(keys);
    q.append(k, rng.chance(0.5) ? rng.pick(QVALUES[k] ?? ['x']) : rng.nasty());
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

const QVALUES: Record<string, string[]> = {
  name: ['node-a', 'node-.*', '^node-[ab]$', '(a|a)*c', '((', '[', '\\p{Greek}', 'a{1001}', '(?P<x>a)', '\\C', '(?i)NODE'],
  'name~': ['node', '%', '_'],
  limit: ['1', '0', '-1', '1000', 'x', '1e3', '99999999999999999999'],
  marker: ['00000000-0000-0000-0000-000000000000', 'x'],
  status: ['ACTIVE', 'available', 'SHUTOFF', 'nope'],
  metadata: ["{'a':'b'}", '{', '[]', 'null', '{"__proto__":{"x":1}}'],
  fields: ['id', 'name', 'id,name', ''],
  tags: ['a', 'a,b', ''],
  'not-tags-any': ['a'],
  fixed_ips: ['ip_address=10.0.0.5', 'subnet_id=x', 'ip_address', '=', 'nope=1'],
  sort_key: ['name', 'created_at', 'nope'],
  sort_dir: ['asc', 'desc', 'sideways'],
  with_count: ['true', 'false', 'x'],
  cascade: ['true', 'x'],
  usage: ['true', 'x'],
};
const NOVA_Q = ['name', 'status', 'availability_zone', 'flavor', 'limit', 'marker', 'changes-since', 'all_tenants', '__proto__'];
const CINDER_Q = ['name', 'name~', 'status', 'availability_zone', 'metadata', 'limit', 'marker', 'with_count', 'sort_key', 'sort_dir', 'offset', 'cascade'];
const NEUTRON_Q = ['name', 'id', 'network_id', 'device_id', 'fixed_ips', 'tags', 'tags-any', 'not-tags', 'not-tags-any', 'fields', 'limit', 'marker', 'page_reverse', 'admin_state_up', '__proto__'];

const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND'];

function keystone(rng: Rng): FuzzRequest {
  const auth = rng.pick([
    () => ({ auth: { identity: { methods: ['password'], password: { user: { name: rng.pick(['fauxcloud', 'admin', rng.nasty()]), domain: rng.pick([{ name: 'Default' }, { id: 'default' }, { name: rng.nasty() }, {}]), password: rng.pick(['fauxcloud-password', rng.nasty()]) } } }, scope: rng.pick([{ project: { name: 'fauxcloud', domain: { name: 'Default' } } }, { project: { id: rng.nasty() } }, { domain: { name: 'Default' } }, { system: { all: true } }, 'x', undefined]) } }),
    () => ({ auth: { identity: { methods: ['token'], token: { id: rng.chance(0.5) ? session.token : rng.nasty() } } } }),
    () => ({ auth: { identity: { methods: ['application_credential'], application_credential: rng.pick([{ name: 'fauxcloud-k8s', secret: rng.nasty(), user: { name: 'fauxcloud', domain: { name: 'Default' } } }, { id: rng.nasty(), secret: 'x' }, {}]) } } }),
    () => ({ auth: { identity: { methods: rng.pick([[], ['totp'], 'password', [1], null]), password: value(rng) } } }),
    () => ({ auth: value(rng) }),
    () => value(rng),
  ])();
  const path = rng.pick(['/identity/v3/auth/tokens', '/identity/v3/auth/tokens', '/identity/v3/auth/catalog', '/identity/v3/auth/projects', `/identity/v3/users/${id(rng)}`, `/identity/v3/users/${id(rng)}/groups`, '/identity', '/identity/v3', '/identity/v2.0/tokens', `/identity/v3/${rng.word()}`]);
  const method = path.endsWith('/auth/tokens') && rng.chance(0.7) ? 'POST' : rng.pick(METHODS);
  const h = headers(rng);
  // Revoking the shared token would leave the rest of the run unauthenticated.
  if (rng.chance(0.3)) h['x-subject-token'] = rng.chance(0.5) && method !== 'DELETE' ? session.token : rng.nasty();
  const raw = rng.chance(0.85) ? JSON.stringify(auth) : body(rng, 'auth');
  return { method, path: `${OS}${path}`, headers: h, body: method === 'GET' || method === 'HEAD' ? undefined : raw };
}

function nova(rng: Rng): FuzzRequest {
  const sid = id(rng);
  const [method, path, wrapper] = rng.pick<[string, string, string]>([
    ['GET', `/servers${query(rng, NOVA_Q)}`, 'server'],
    ['GET', `/servers/detail${query(rng, NOVA_Q)}`, 'server'],
    ['GET', `/servers/detail${query(rng, NOVA_Q)}`, 'server'],
    ['GET', `/servers/${sid}`, 'server'],
    ['POST', '/servers', 'server'],
    ['DELETE', `/servers/${sid}`, 'server'],
    ['POST', `/servers/${sid}/action`, rng.pick(['os-stop', 'os-start', 'reboot', 'nope', '__proto__'])],
    ['GET', `/servers/${sid}/os-volume_attachments`, 'volumeAttachment'],
    ['POST', `/servers/${sid}/os-volume_attachments`, 'volumeAttachment'],
    ['DELETE', `/servers/${sid}/os-volume_attachments/${id(rng)}`, 'volumeAttachment'],
    ['GET', `/flavors${rng.pick(['', '/detail', `/${id(rng)}`])}${query(rng, ['limit', 'marker', 'minDisk'])}`, 'flavor'],
    ['GET', '/os-availability-zone', 'x'],
    ['GET', `/${rng.word()}`, 'x'],
  ]);
  const m = rng.chance(0.85) ? method : rng.pick(METHODS);
  const prefix = rng.chance(0.95) ? '/compute/v2.1' : rng.pick(['/compute/v2', '/compute/v3', '/compute', '/compute/v2.1/']);
  return { method: m, path: `${OS}${prefix}${path}`, headers: headers(rng, 'compute'), body: m === 'GET' || m === 'HEAD' || m === 'DELETE' ? undefined : body(rng, wrapper) };
}

function cinder(rng: Rng): FuzzRequest {
  const vid = id(rng);
  const [method, path, wrapper] = rng.pick<[string, string, string]>([
    ['GET', `/volumes${query(rng, CINDER_Q)}`, 'volume'],
    ['GET', `/volumes/detail${query(rng, CINDER_Q)}`, 'volume'],
    ['POST', '/volumes', 'volume'],
    ['POST', '/volumes', 'volume'],
    ['GET', `/volumes/${vid}`, 'volume'],
    ['PUT', `/volumes/${vid}`, 'volume'],
    ['DELETE', `/volumes/${vid}${query(rng, ['cascade', 'force'])}`, 'volume'],
    ['POST', `/volumes/${vid}/action`, rng.pick(['os-extend', 'os-reset_status', 'os-attach', 'nope'])],
    ['POST', '/snapshots', 'snapshot'],
    ['GET', `/snapshots${rng.pick(['', '/detail'])}${query(rng, CINDER_Q)}`, 'snapshot'],
    ['POST', '/backups', 'backup'],
    ['GET', `/backups${rng.pick(['', '/detail', `/${vid}`])}`, 'backup'],
    ['PUT', `/os-quota-sets/${rng.pick([session.project, vid])}`, 'quota_set'],
    ['GET', `/os-quota-sets/${rng.pick([session.project, vid])}${query(rng, ['usage'])}`, 'quota_set'],
    ['GET', rng.pick(['/limits', '/types', '/os-availability-zone', `/${rng.word()}`]), 'x'],
  ]);
  const m = rng.chance(0.85) ? method : rng.pick(METHODS);
  const project = rng.chance(0.9) ? session.project : rng.pick(['nope', '', clean(enc(rng.nasty()))]);
  return { method: m, path: `${OS}/volume/v3/${project}${path}`, headers: headers(rng, 'volume'), body: m === 'GET' || m === 'HEAD' || m === 'DELETE' ? undefined : body(rng, wrapper) };
}

const NEUTRON: Array<[string, string]> = [
  ['networks', 'network'], ['subnets', 'subnet'], ['ports', 'port'], ['routers', 'router'], ['floatingips', 'floatingip'], ['security-groups', 'security_group'], ['security-group-rules', 'security_group_rule'], ['nopes', 'nope'],
];

function neutron(rng: Rng): FuzzRequest {
  const [coll, wrapper] = rng.pick(NEUTRON);
  const rid = id(rng);
  const [method, path, w] = rng.pick<[string, string, string]>([
    ['GET', `/${coll}${query(rng, NEUTRON_Q)}`, wrapper],
    ['GET', `/${coll}${query(rng, NEUTRON_Q)}`, wrapper],
    ['POST', `/${coll}`, wrapper],
    ['GET', `/${coll}/${rid}`, wrapper],
    ['PUT', `/${coll}/${rid}`, wrapper],
    ['DELETE', `/${coll}/${rid}`, wrapper],
    ['PUT', `/routers/${rid}/${rng.pick(['add_extraroutes', 'remove_extraroutes', 'add_router_interface', 'remove_router_interface', 'nope'])}`, 'router'],
    ['PUT', `/${coll}/${rid}/tags/${clean(enc(rng.nasty()))}`, 'tags'],
    ['PUT', `/${coll}/${rid}/tags`, 'tags'],
    ['GET', rng.pick(['/extensions', '/', '']), 'x'],
  ]);
  const m = rng.chance(0.85) ? method : rng.pick(METHODS);
  const base = rng.chance(0.95) ? '/network/v2.0' : rng.pick(['/network/v2', '/network', '/network/v2.0/']);
  return { method: m, path: `${OS}${base}${path}`, headers: headers(rng), body: m === 'GET' || m === 'HEAD' || m === 'DELETE' ? undefined : body(rng, w) };
}

const OCTAVIA: Array<[string, string]> = [['loadbalancers', 'loadbalancer'], ['listeners', 'listener'], ['pools', 'pool'], ['healthmonitors', 'healthmonitor'], ['l7policies', 'l7policy'], ['amphorae', 'amphora']];

function octavia(rng: Rng): FuzzRequest {
  const [coll, wrapper] = rng.pick(OCTAVIA);
  const rid = id(rng);
  const [method, path, w] = rng.pick<[string, string, string]>([
    ['GET', `/lbaas/${coll}${query(rng, NEUTRON_Q)}`, wrapper],
    ['POST', `/lbaas/${coll}`, wrapper],
    ['POST', `/lbaas/${coll}`, wrapper],
    ['GET', `/lbaas/${coll}/${rid}`, wrapper],
    ['PUT', `/lbaas/${coll}/${rid}`, wrapper],
    ['DELETE', `/lbaas/${coll}/${rid}${query(rng, ['cascade'])}`, wrapper],
    ['GET', `/lbaas/loadbalancers/${rid}/status`, 'x'],
    ['GET', `/lbaas/pools/${rid}/members`, 'member'],
    ['POST', `/lbaas/pools/${rid}/members`, 'member'],
    ['PUT', `/lbaas/pools/${rid}/members`, 'members'],
  ]);
  const m = rng.chance(0.85) ? method : rng.pick(METHODS);
  const base = rng.pick(['/load-balancer/v2', '/load-balancer/v2.0', '/load-balancer/v1']);
  return { method: m, path: `${OS}${base}${path}`, headers: headers(rng), body: m === 'GET' || m === 'HEAD' || m === 'DELETE' ? undefined : body(rng, w) };
}

function metadata(rng: Rng): FuzzRequest {
  const version = rng.pick(['latest', 'latest', '2018-08-27', '2012-08-10', '1999-01-01', rng.word(), '..']);
  const leaf = rng.pick(['meta_data.json', 'network_data.json', 'vendor_data.json', 'vendor_data2.json', 'password', 'user_data', '', '../../etc/passwd', rng.word()]);
  const h: Record<string, string> = {};
  if (rng.chance(0.4)) h['x-fauxcloud-instance'] = rng.pick([...SERVERS, 'nope', '', rng.nasty()]);
  const m = rng.pick(['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE']);
  return { method: m, path: `${OS}/${version}/${leaf}`, headers: h, body: m === 'GET' || m === 'DELETE' ? undefined : rng.nasty() };
}

function discovery(rng: Rng): FuzzRequest {
  return { method: rng.pick(['GET', 'GET', 'POST', 'DELETE']), path: `${OS}/${rng.pick(['identity', 'compute', 'volume', 'network', 'load-balancer', 'key-manager', 'regions/RegionTwo/compute/v2.1/servers', 'regions/nope/network/v2.0/ports', rng.word(), clean(enc(rng.nasty()))])}${rng.pick(['', '/', '/v1', '/v9.9'])}`, headers: headers(rng) };
}

const NOVA_FAULT = /^(badRequest|unauthorized|forbidden|itemNotFound|badMethod|notAcceptable|conflictingRequest|overLimit|badMediaType|notImplemented|serviceUnavailable|computeFault)$/;

function object(text: string): Record<string, unknown> | undefined {
  try {
    const b = JSON.parse(text) as unknown;
    return b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function keystoneError(b: Record<string, unknown>, status: number): boolean {
  const e = b['error'] as Record<string, unknown> | undefined;
  return !!e && e['code'] === status && typeof e['title'] === 'string' && typeof e['message'] === 'string';
}

function shape(req: FuzzRequest, res: FuzzResponse): string | undefined {
  const p = req.path;
  if (req.method === 'HEAD') return undefined;
  if (p.startsWith('/openstack/') && !/^\/openstack\/(?:identity|compute|volume|network|load-balancer|key-manager|regions)(?:[/?]|$)/.test(p)) {
    // The metadata tree answers as nova's metadata service does: JSON documents, text listings, or an HTML error page.
    if (res.status >= 400) return /^<html>/.test(res.text) || object(res.text) ? undefined : 'a metadata error that is neither nova-api-metadata HTML nor JSON';
    return res.headers['content-type'] ? undefined : 'a metadata answer without a content type';
  }
  if (res.status < 400) {
    if (res.status === 204 || res.text === '') return undefined;
    if (/\/(?:password|user_data)$/.test(p)) return undefined;
    return object(res.text) ? undefined : 'a success that is no JSON object';
  }
  const b = object(res.text);
  if (!b) return 'an error that is no JSON object';
  // keystonemiddleware's 401 answers in Keystone's shape in front of every service.
  if (res.status === 401) return keystoneError(b, 401) && String(res.headers['www-authenticate'] ?? '').startsWith('Keystone') ? undefined : "a 401 not in keystonemiddleware's shape with WWW-Authenticate: Keystone";
  if (p.startsWith('/openstack/identity')) return keystoneError(b, res.status) ? undefined : "not Keystone's {error: {code, title, message}}";
  if (p.startsWith('/openstack/compute/') || p.startsWith('/openstack/volume/')) {
    const keys = Object.keys(b);
    const f = b[keys[0] ?? ''] as Record<string, unknown> | undefined;
    if (keys.length === 1 && NOVA_FAULT.test(keys[0]!) && f && f['code'] === res.status && typeof f['message'] === 'string') return undefined;
    return "not Nova/Cinder's {<faultName>: {code, message}}";
  }
  if (p.startsWith('/openstack/network/')) {
    const e = b['NeutronError'] as Record<string, unknown> | undefined;
    return e && typeof e['type'] === 'string' && typeof e['message'] === 'string' && e['detail'] !== undefined ? undefined : "not Neutron's {NeutronError: {type, message, detail}}";
  }
  if (p.startsWith('/openstack/load-balancer/')) return (b['faultcode'] === 'Client' || b['faultcode'] === 'Server') && typeof b['faultstring'] === 'string' && 'debuginfo' in b ? undefined : "not Octavia's {faultcode, faultstring, debuginfo}";
  // Discovery documents, unknown services and other regions: any service's own error, Keystone's by default.
  if (keystoneError(b, res.status) || b['NeutronError'] || typeof b['faultstring'] === 'string' || Object.keys(b).some((k) => NOVA_FAULT.test(k)) || typeof b['title'] === 'string') return undefined;
  return 'not an OpenStack error';
}

/** A request carrying the session's token, read when it is sent (setup fills it in later). */
function authed(method: string, path: string | (() => string), extra: Record<string, string> = {}, payload?: unknown): FuzzRequest {
  return {
    method,
    get path() {
      return `${OS}${typeof path === 'string' ? path : path()}`;
    },
    get headers() {
      return { 'content-type': 'application/json', 'x-auth-token': session.token, ...extra };
    },
    body: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
  };
}
const vol = (p: string) => () => `/volume/v3/${session.project}${p}`;

function fault(status: number, name: string, message?: string | RegExp) {
  return (res: FuzzResponse) => {
    expect(res.status).toBe(status);
    const b = JSON.parse(res.text) as Record<string, { code: number; message: string }>;
    expect(Object.keys(b)).toEqual([name]);
    expect(b[name]!.code).toBe(status);
    if (message) expect(b[name]!.message).toMatch(message);
  };
}
function neutronError(status: number, type: string) {
  return (res: FuzzResponse) => {
    expect(res.status).toBe(status);
    expect((JSON.parse(res.text) as { NeutronError: { type: string } }).NeutronError.type).toBe(type);
  };
}
const LONG = `fz-${'a'.repeat(250)}`;

export const generator: FuzzGenerator = {
  name: 'openstack',
  requests: 3000,
  faults: [{ name: 'fuzz-injected', match: { cloud: 'openstack', operation: 'ListFlavors' }, error: 'computeFault' }],
  async setup({ server }) {
    const res = await send(server, {
      method: 'POST',
      path: `${OS}/identity/v3/auth/tokens`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'fauxcloud', domain: { name: 'Default' }, password: 'fauxcloud-password' } } }, scope: { project: { name: 'fauxcloud', domain: { name: 'Default' } } } } }),
    });
    if (res.status !== 201) throw new Error(`Keystone login failed: ${res.status} ${res.text.slice(0, 200)}`);
    session.token = String(res.headers['x-subject-token']);
    session.project = (JSON.parse(res.text) as { token: { project: { id: string } } }).token.project.id;
    // Real ids (servers, networks, subnets, ports, routers, security groups, flavors), so actions and updates reach the handlers.
    const h = { 'x-auth-token': session.token };
    for (const path of ['/compute/v2.1/servers', '/compute/v2.1/flavors', '/network/v2.0/networks', '/network/v2.0/subnets', '/network/v2.0/ports', '/network/v2.0/routers', '/network/v2.0/security-groups']) {
      const r = await send(server, { method: 'GET', path: `${OS}${path}`, headers: h });
      for (const m of r.text.matchAll(/"id": ?"([0-9a-f-]{32,36})"/g)) REAL.push(m[1]!);
    }
    if (REAL.length < 10) throw new Error(`the default scenario's resources were not found (${REAL.length} ids)`);
  },
  next(rng) {
    const r = rng.next();
    if (r < 0.12) return keystone(rng);
    if (r < 0.34) return nova(rng);
    if (r < 0.56) return cinder(rng);
    if (r < 0.76) return neutron(rng);
    if (r < 0.9) return octavia(rng);
    if (r < 0.96) return metadata(rng);
    return discovery(rng);
  },
  shape,
  fixed: [
    { why: 'a Nova body over the limit is overLimit (413) "Request is too large.", answered from Content-Length', request: oversized('POST', `${OS}/compute/v2.1/servers`, { 'content-type': 'application/json' }), check: fault(413, 'overLimit', 'Request is too large.') },
    {
      why: 'a path under /openstack no service serves is a Keystone-shaped 404',
      request: { method: 'PROPFIND', path: `${OS}/nope` },
      check: (res) => {
        expect(res.status).toBe(404);
        expect(JSON.parse(res.text)).toEqual({ error: { code: 404, title: 'Not Found', message: 'The resource could not be found.' } });
      },
    },
    {
      why: 'a wrong password is 401 in Keystone shape',
      request: { method: 'POST', path: `${OS}/identity/v3/auth/tokens`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'fauxcloud', domain: { name: 'Default' }, password: 'nope' } } } } }) },
      check: (res) => {
        expect(res.status).toBe(401);
        expect(JSON.parse(res.text)).toMatchObject({ error: { code: 401, title: 'Unauthorized' } });
      },
    },
    {
      why: 'a call without a token is keystonemiddleware 401 with WWW-Authenticate',
      request: { method: 'GET', path: `${OS}/compute/v2.1/servers`, headers: {} },
      check: (res) => {
        expect(res.status).toBe(401);
        expect(JSON.parse(res.text)).toEqual({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
        expect(String(res.headers['www-authenticate'])).toMatch(/^Keystone/);
      },
    },
    { why: 'a compute microversion above 2.96 is 406', request: authed('GET', '/compute/v2.1/servers', { 'openstack-api-version': 'compute 2.97' }), check: fault(406, 'notAcceptable', 'Version 2.97 is not supported by the API. Minimum is 2.1 and maximum is 2.96.') },
    { why: 'a malformed compute microversion is 400', request: authed('GET', '/compute/v2.1/servers', { 'openstack-api-version': 'compute 2.x' }), check: fault(400, 'badRequest', /^Invalid API version request string 2\.x/) },
    { why: 'a volume microversion above 3.71 is 406', request: authed('GET', vol('/volumes'), { 'openstack-api-version': 'volume 3.72' }), check: fault(406, 'notAcceptable') },
    { why: 'an unknown server is itemNotFound', request: authed('GET', '/compute/v2.1/servers/00000000-0000-0000-0000-000000000000'), check: fault(404, 'itemNotFound') },
    { why: 'an invalid name regex is badRequest', request: authed('GET', `/compute/v2.1/servers/detail?name=${encodeURIComponent('((')}`), check: fault(400, 'badRequest') },
    { why: 'an unknown volume is itemNotFound', request: authed('GET', vol('/volumes/00000000-0000-0000-0000-000000000000')), check: fault(404, 'itemNotFound') },
    { why: 'a volume body that is no JSON is badRequest', request: authed('POST', vol('/volumes'), {}, '{"volume":'), check: fault(400, 'badRequest') },
    { why: 'a __proto__ volume body is no pollution', request: authed('POST', vol('/volumes'), {}, '{"__proto__":{"polluted":true}}'), check: (res) => expect(res.status).toBe(400) },
    { why: 'an unknown port is PortNotFound', request: authed('GET', '/network/v2.0/ports/00000000-0000-0000-0000-000000000000'), check: neutronError(404, 'PortNotFound') },
    { why: 'an unknown network is NetworkNotFound', request: authed('GET', '/network/v2.0/networks/00000000-0000-0000-0000-000000000000'), check: neutronError(404, 'NetworkNotFound') },
    {
      why: 'an unknown load balancer is Octavia 404 with faultstring',
      request: authed('GET', '/load-balancer/v2/lbaas/loadbalancers/00000000-0000-0000-0000-000000000000'),
      check: (res) => {
        expect(res.status).toBe(404);
        expect(JSON.parse(res.text)).toMatchObject({ faultcode: 'Client', debuginfo: null });
      },
    },
  ],
  redos: [
    {
      why: 'Nova name filter (a|a)*c against a 253-character server name (RE2)',
      setup: [{ method: 'POST', path: '/_fauxcloud/seed', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resources: { openstack: { projects: { fauxcloud: { networks: [{ name: 'fz-net', subnets: [{ name: 'fz-subnet', cidr: '10.99.0.0/24' }] }], servers: [{ name: LONG, zone: 'nova', flavor: 'm1.medium', network: 'fz-net' }] } } } } }) }],
      plain: authed('GET', `/compute/v2.1/servers/detail?name=${encodeURIComponent('fz-a+')}`),
      hostile: authed('GET', `/compute/v2.1/servers/detail?name=${encodeURIComponent('fz-(a|a)*c')}`),
    },
    {
      why: 'Nova name filter with nested stars',
      plain: authed('GET', `/compute/v2.1/servers/detail?name=${encodeURIComponent('a*')}`),
      hostile: authed('GET', `/compute/v2.1/servers/detail?name=${encodeURIComponent('(a*)*(b|c)$')}`),
    },
  ],
};
