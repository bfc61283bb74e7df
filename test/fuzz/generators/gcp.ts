/**
 * Google Cloud: Compute Engine (paths, methods, list filters, partial responses, resource bodies),
 * the metadata server and the OAuth token endpoint, with malformed everything.
 */
import { expect } from 'vitest';
import { clean, oversized, type FuzzGenerator, type FuzzRequest, type FuzzResponse, type Rng } from '../harness.js';

const PROJECT = 'fauxcloud-project';
/** encodeURIComponent refuses lone surrogates; send their raw UTF-8 escape instead. */
const enc = (s: string): string => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD')).replace(/%EF%BF%BD/g, '%ED%A0%80');
const ZONE = 'us-central1-a';
const ZONAL = ['disks', 'instances', 'operations', 'diskTypes', 'machineTypes', 'instanceGroups', 'nope'];
const REGIONAL = ['addresses', 'subnetworks', 'forwardingRules', 'targetPools', 'disks', 'operations', 'backendServices', 'nope'];
const GLOBAL = ['networks', 'firewalls', 'routes', 'httpHealthChecks', 'healthChecks', 'backendServices', 'operations', 'snapshots', 'images', 'nope'];
const VERBS = ['attachDisk', 'detachDisk', 'setLabels', 'resize', 'addInstance', 'removeInstance', 'setMetadata', 'setTags', 'wait', 'getSerialPortOutput', 'nope'];
const FIELDS = ['name', 'sizeGb', 'type', 'labels', 'description', 'provisionedIops', 'provisionedThroughput', 'sourceSnapshot', 'network', 'subnetwork', 'address', 'addressType', 'destRange', 'nextHopInstance', 'priority', 'instances', 'healthChecks', 'IPAddress', 'IPProtocol', 'portRange', 'target', 'allowed', 'sourceRanges', 'targetTags', 'deviceName', 'source', 'labelFingerprint', 'replicaZones', 'users', 'kind', 'id', '__proto__', 'constructor', 'zone', 'selfLink'];
const FILTERS = [
  'name eq "k8s-.*"', 'name ne x', '(name eq a) (description ne b)', 'name = web-*', 'labels.env != prod', 'sizeGb > 10', 'name:web', 'NOT name = a', '-name = a',
  'name = a OR name = b', 'name = a AND (sizeGb < 5 OR sizeGb >= 100)', 'description eq "(a|a)*c"', 'name eq "(("', 'name eq [', 'name', '((((((((((name = a))))))))))',
  `${'('.repeat(40)}name = a${')'.repeat(40)}`, 'NOT '.repeat(50) + 'name = a', 'name eq "\\p{Greek}"', 'name eq "a{1001}"', 'name = "unterminated', '= = =', 'name > ', 'status eq READY\tzone eq x',
];

function name(rng: Rng): string {
  return rng.chance(0.6) ? rng.pick(['node-a', 'node-b', 'd1', 'default', 'k8s-fw-a', 'pool-1', `fz-${rng.word(8).replace(/[^a-z0-9]/g, 'x')}`]) : clean(enc(rng.nasty()));
}

function path(rng: Rng): string {
  const version = rng.pick(['v1', 'v1', 'v1', 'beta', 'alpha', 'v2', '']);
  const project = rng.chance(0.85) ? PROJECT : rng.pick(['nope-project', '', '..', enc(rng.nasty())]);
  const scope = rng.pick([
    () => `zones/${rng.chance(0.8) ? rng.pick([ZONE, 'us-central1-b']) : rng.pick(['nowhere-1a', '', enc(rng.nasty())])}/${rng.pick(ZONAL)}`,
    () => `regions/${rng.chance(0.8) ? 'us-central1' : rng.pick(['nowhere', enc(rng.nasty())])}/${rng.pick(REGIONAL)}`,
    () => `global/${rng.pick(GLOBAL)}`,
    () => `aggregated/${rng.pick(['disks', 'instances', 'addresses', 'nope'])}`,
    () => rng.pick(['regions', 'zones']),
    () => '',
  ])();
  let p = `/compute/${version}/projects/${project}${scope ? `/${scope}` : ''}`;
  if (rng.chance(0.5)) p += `/${name(rng)}`;
  if (rng.chance(0.2)) p += `/${rng.pick(VERBS)}`;
  const q = new URLSearchParams();
  if (rng.chance(0.35)) q.append('filter', rng.chance(0.7) ? rng.pick(FILTERS) : rng.nasty());
  if (rng.chance(0.05)) q.append('filter', rng.pick(FILTERS));
  if (rng.chance(0.2)) q.set('maxResults', rng.pick(['1', '0', '500', '501', '-1', 'x', '1e3', '99999999999999999999']));
  if (rng.chance(0.1)) q.set('pageToken', rng.nasty());
  if (rng.chance(0.1)) q.set('fields', rng.pick(['items(name,selfLink)', 'name', 'items(', '*', rng.nasty()]));
  if (rng.chance(0.1)) q.set(rng.pick(['orderBy', 'returnPartialSuccess', 'requestId', 'forceAttach', 'nope', '__proto__']), rng.nasty());
  const qs = q.toString();
  return qs ? `${p}?${qs}` : p;
}

function value(rng: Rng, depth = 0): unknown {
  const k = rng.int(depth > 2 ? 4 : 7);
  if (k === 0) return rng.nasty();
  if (k === 1) return rng.pick([0, -1, 10, 1e308, 1.5, '10', '-5', '0x10']);
  if (k === 2) return rng.pick([true, null, 'projects/fauxcloud-project/zones/us-central1-a/instances/node-a', 'global/networks/default']);
  if (k === 3) return rng.pick(['pd-balanced', `zones/${ZONE}/diskTypes/pd-ssd`, 'EXTERNAL', 'INTERNAL']);
  if (k === 4) return Array.from({ length: rng.int(3) }, () => value(rng, depth + 1));
  if (k === 5) return Object.fromEntries(Array.from({ length: rng.int(3) }, () => [rng.chance(0.5) ? rng.word(6) : rng.nasty(), rng.chance(0.7) ? rng.word(6) : value(rng, depth + 1)]));
  return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(FIELDS), value(rng, depth + 1)]));
}

function compute(rng: Rng): FuzzRequest {
  const method = rng.pick(['GET', 'GET', 'POST', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS']);
  const headers: Record<string, string> = { authorization: rng.pick(['Bearer ya29.fauxcloud', 'Bearer ', '']), 'content-type': rng.pick(['application/json', 'text/plain', '']) };
  if (rng.chance(0.05)) headers['host'] = rng.pick(['a","injected":"b', 'a"b\\', 'x y', 'example.com:99']);
  let body: string | undefined;
  if (method !== 'GET' && method !== 'DELETE' && rng.chance(0.9)) {
    body = rng.pick([
      () => JSON.stringify({ name: name(rng), ...Object.fromEntries(Array.from({ length: rng.int(5) }, () => [rng.pick(FIELDS), value(rng)])) }),
      () => JSON.stringify(value(rng)),
      () => '{"name":',
      () => '{"__proto__":{"polluted":true},"name":"x"}',
      () => JSON.stringify({ name: 'fz-big', description: 'x'.repeat(2049) }),
      () => JSON.stringify({ name: 'fz-labels', labels: { [rng.nasty()]: rng.nasty() } }),
    ])();
  }
  return { method, path: path(rng), headers, body };
}

function metadata(rng: Rng): FuzzRequest {
  const base = rng.pick(['/computeMetadata/v1/', '/computeMetadata/v1beta1/', '/computeMetadata/', '/0.1/meta-data/']);
  const leaf = rng.pick(['', 'instance/', 'instance/id', 'instance/zone', 'instance/hostname', 'instance/attributes/', 'instance/attributes/kube-env', 'instance/service-accounts/', 'instance/service-accounts/default/token', 'instance/service-accounts/default/identity', 'instance/network-interfaces/0/ip', 'project/project-id', 'project/numeric-project-id', 'project/attributes/', '../../etc/passwd', rng.word()]);
  const q = new URLSearchParams();
  if (rng.chance(0.3)) q.set('recursive', rng.pick(['true', 'false', 'x']));
  if (rng.chance(0.2)) q.set('alt', rng.pick(['json', 'text', 'xml']));
  if (rng.chance(0.15)) q.set('wait_for_change', rng.pick(['true', 'false']));
  if (rng.chance(0.15)) q.set('timeout_sec', rng.pick(['0', '1', '-1', '1e308', 'x']));
  if (rng.chance(0.1)) q.set('last_etag', rng.nasty());
  if (rng.chance(0.1)) q.set('audience', rng.nasty());
  const headers: Record<string, string> = {};
  if (rng.chance(0.8)) headers['metadata-flavor'] = rng.pick(['Google', 'google', 'nope']);
  if (rng.chance(0.3)) headers['x-fauxcloud-instance'] = rng.pick(['node-a', 'node-b', 'nope', '']);
  if (rng.chance(0.05)) headers['x-forwarded-for'] = '1.2.3.4';
  const qs = q.toString();
  return { method: rng.pick(['GET', 'GET', 'GET', 'POST', 'PUT']), path: `${base}${leaf}${qs ? `?${qs}` : ''}`, headers };
}

function token(rng: Rng): FuzzRequest {
  const form = new URLSearchParams();
  if (rng.chance(0.8)) form.set('grant_type', rng.pick(['urn:ietf:params:oauth:grant-type:jwt-bearer', 'refresh_token', 'client_credentials', rng.nasty()]));
  if (rng.chance(0.5)) form.set('assertion', rng.pick(['a.b.c', 'eyJhbGciOiJSUzI1NiJ9.e30.x', rng.nasty()]));
  if (rng.chance(0.3)) form.set('refresh_token', rng.nasty());
  return { method: rng.pick(['POST', 'POST', 'GET']), path: rng.pick(['/token', '/oauth2/v4/token', '/token?x=1']), headers: { 'content-type': rng.pick(['application/x-www-form-urlencoded', 'application/json', '']) }, body: rng.chance(0.8) ? form.toString() : rng.nasty() };
}

function shape(req: FuzzRequest, res: FuzzResponse): string | undefined {
  if (req.path.startsWith('/computeMetadata') || req.path.startsWith('/0.1/')) return res.headers['metadata-flavor'] === 'Google' ? undefined : 'metadata answer without Metadata-Flavor: Google';
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(res.text) as Record<string, unknown>;
  } catch {
    return 'not JSON';
  }
  if (req.path.includes('token')) return b && typeof b === 'object' ? undefined : 'token endpoint answer is no JSON object';
  if (res.status >= 400) {
    const e = b['error'] as Record<string, unknown> | undefined;
    if (!e || e['code'] !== res.status || typeof e['message'] !== 'string' || !Array.isArray(e['errors'])) return "not Google's error envelope {error: {code, message, errors}}";
    return undefined;
  }
  if (req.path.includes('fields=')) return undefined;
  return typeof b['kind'] === 'string' && b['kind'].startsWith('compute#') ? undefined : 'a Compute answer without its compute# kind';
}

const BASE = `/compute/v1/projects/${PROJECT}`;
const post = (p: string, body: unknown): FuzzRequest => ({ method: 'POST', path: `${BASE}/${p}`, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const get = (p: string, headers: Record<string, string> = {}): FuzzRequest => ({ method: 'GET', path: `${BASE}/${p}`, headers });
const google = (status: number, reason?: string) => (res: FuzzResponse) => {
  expect(res.status).toBe(status);
  const e = (JSON.parse(res.text) as { error: { code: number; errors: Array<{ reason: string }> } }).error;
  expect(e.code).toBe(status);
  if (reason) expect(e.errors[0]!.reason).toBe(reason);
};
const DISKS = `zones/${ZONE}/disks`;

export const generator: FuzzGenerator = {
  name: 'gcp',
  requests: 2000,
  faults: [{ name: 'fuzz-injected', match: { cloud: 'gcp', operation: 'regions.list' }, error: 'internalError' }],
  notEmulated: { status: 501, code: 'notImplemented' },
  next(rng) {
    const r = rng.next();
    return r < 0.6 ? compute(rng) : r < 0.85 ? metadata(rng) : r < 0.95 ? token(rng) : { method: rng.pick(['GET', 'POST']), path: `/${clean(rng.word())}/${clean(enc(rng.nasty()))}` };
  },
  shape,
  fixed: [
    { why: 'a body over the limit is 413 in Google’s JSON envelope, answered from Content-Length', request: oversized('POST', `${BASE}/${DISKS}`, { 'content-type': 'application/json' }), check: google(413, 'badRequest') },
    { why: 'PROPFIND on a collection is 405 httpMethodNotAllowed', request: { ...get(DISKS), method: 'PROPFIND' }, check: google(405, 'httpMethodNotAllowed') },
    { why: '/compute itself is a Google 404', request: { method: 'GET', path: '/compute' }, check: google(404, 'notFound') },
    { why: 'a disk in a zone the project does not have', request: post('zones/nowhere-1a/disks', { name: 'd1', sizeGb: '10' }), check: google(404, 'notFound') },
    { why: 'a list in a region the project does not have', request: get('regions/nowhere/addresses'), check: google(404, 'notFound') },
    { why: 'a label key with capitals', request: post(DISKS, { name: 'fz-l1', sizeGb: '10', labels: { Env: 'x' } }), check: google(400, 'invalid') },
    { why: 'a label value over 63 characters', request: post(DISKS, { name: 'fz-l2', sizeGb: '10', labels: { env: 'x'.repeat(64) } }), check: google(400, 'invalid') },
    { why: 'negative provisionedIops', request: post(DISKS, { name: 'fz-iops', sizeGb: '10', type: `zones/${ZONE}/diskTypes/pd-extreme`, provisionedIops: '-5' }), check: google(400, 'invalid') },
    { why: 'a description over 2048 characters', request: post(DISKS, { name: 'fz-desc', sizeGb: '10', description: 'x'.repeat(2049) }), check: google(400, 'invalid') },
    { why: 'a __proto__ body key', request: post(DISKS, '{"name":"fz-proto","sizeGb":"10","__proto__":{"polluted":true}}'), check: google(400, 'invalid') },
    { why: 'a constructor body key', request: post(DISKS, { name: 'fz-ctor', sizeGb: '10', constructor: 'x' }), check: google(400, 'invalid') },
    { why: 'filter given twice', request: get(`${DISKS}?filter=name%3Da&filter=name%3Db`), check: google(400, 'invalid') },
    { why: 'a filter that is no RE2', request: get(`${DISKS}?filter=${encodeURIComponent('name eq "(("')}`), check: google(400, 'invalid') },
    { why: 'a filter nested past any real use', request: get(`${DISKS}?filter=${encodeURIComponent(`${'('.repeat(40)}name = a${')'.repeat(40)}`)}`), check: google(400, 'invalid') },
    {
      why: 'a hostile Host header stays data',
      request: get(`zones/${ZONE}/instances/node-a`, { host: 'a","injected":"b' }),
      check: (res) => {
        expect(res.status).toBe(200);
        const b = JSON.parse(res.text) as Record<string, unknown>;
        expect(b['injected']).toBeUndefined();
        expect(String(b['selfLink'])).toMatch(/^https:\/\/[^"]+\/compute\/v1\/projects\//);
      },
    },
  ],
  redos: [
    {
      why: 'GCE eq filter (a|a)*c against a 2048-character description (was 8.5 s on 26 characters)',
      setup: [post(DISKS, { name: 'fz-redos', sizeGb: '10', description: 'a'.repeat(2048) })],
      plain: get(`${DISKS}?filter=${encodeURIComponent('description eq "a*"')}`),
      hostile: get(`${DISKS}?filter=${encodeURIComponent('description eq "(a|a)*c"')}`),
    },
    {
      why: 'GCE eq filter with nested stars',
      plain: get(`${DISKS}?filter=${encodeURIComponent('description eq "a+"')}`),
      hostile: get(`${DISKS}?filter=${encodeURIComponent('description eq "(a*)*(b|c)"')}`),
    },
    {
      why: 'GCE = glob with 200 stars',
      plain: get(`${DISKS}?filter=${encodeURIComponent(`description = ${'a'.repeat(200)}`)}`),
      hostile: get(`${DISKS}?filter=${encodeURIComponent(`description = ${'*a'.repeat(200)}b`)}`),
    },
  ],
};
