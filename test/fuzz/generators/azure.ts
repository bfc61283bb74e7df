/**
 * Azure: Resource Manager (Compute and Network families, etags, paging, long-running operation
 * polls), Entra ID's token endpoints, IMDS with managed identity, cloud discovery and ACR's token
 * exchange, with a real bearer token and real resource names (from `setup`) most of the time and
 * malformed everything else: bodies, api-versions, path case, percent-encoding, numbers.
 */
import { expect } from 'vitest';
import { clean, oversized, send, type FuzzGenerator, type FuzzRequest, type FuzzResponse, type Rng } from '../harness.js';

const SUB = '00000000-0000-0000-0000-000000000001';
const RG = 'fauxcloud';
/** Filled by setup: an Entra ID access token and the default scenario's real names, etags and LRO URLs. */
const session = { token: '' };
const REAL: Record<string, string[]> = { disks: [], virtualMachines: [], networkInterfaces: [], virtualMachineScaleSets: [], virtualNetworks: [], networkSecurityGroups: [], routeTables: [], publicIPAddresses: [], loadBalancers: [], snapshots: [] };
const ETAGS: string[] = [];
const POLLS: string[] = [];

/** encodeURIComponent refuses lone surrogates; send their raw UTF-8 escape instead. */
const enc = (s: string): string => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD')).replace(/%EF%BF%BD/g, '%ED%A0%80');

const COMPUTE = ['disks', 'snapshots', 'virtualMachines', 'virtualMachineScaleSets', 'availabilitySets', 'nope'];
const NETWORK = ['networkInterfaces', 'virtualNetworks', 'networkSecurityGroups', 'routeTables', 'publicIPAddresses', 'loadBalancers', 'nope'];
const CHILD: Record<string, string[]> = {
  virtualNetworks: ['subnets'],
  loadBalancers: ['backendAddressPools', 'frontendIPConfigurations', 'probes'],
  virtualMachineScaleSets: ['virtualMachines', 'networkInterfaces'],
  networkSecurityGroups: ['securityRules'],
  routeTables: ['routes'],
  virtualMachines: ['instanceView', 'extensions'],
};
const API_VERSIONS = ['2024-03-02', '2023-09-01', '2024-07-01', '2022-08-01', '2019-05-01', '2099-01-01', 'nope', '', '2024-03-02-preview', '1e308'];
const FIELDS = ['diskSizeGB', 'creationData', 'diskIOPSReadWrite', 'diskMBpsReadWrite', 'hardwareProfile', 'storageProfile', 'dataDisks', 'networkProfile', 'osProfile', 'ipConfigurations', 'subnets', 'addressSpace', 'securityRules', 'routes', 'publicIPAllocationMethod', 'frontendIPConfigurations', 'backendAddressPools', 'loadBalancingRules', 'probes', 'incremental', 'maxShares', 'provisioningState', '__proto__', 'constructor'];

/** Case games on ARM's fixed segments (ARM matches them case-insensitively). */
function seg(rng: Rng, s: string): string {
  const r = rng.next();
  if (r < 0.8) return s;
  if (r < 0.9) return rng.chance(0.5) ? s.toLowerCase() : s.toUpperCase();
  return s.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
}

function name(rng: Rng, type?: string): string {
  const real = type ? REAL[type] : undefined;
  if (real?.length && rng.chance(0.6)) return rng.pick(real);
  return rng.chance(0.5) ? rng.pick(['node-a', 'node-b', 'node-c', 'fauxcloud-vmss', '0', '1', 'fz-disk', 'fz-snap', `fz-${rng.word(8).replace(/[^a-z0-9]/g, 'x')}`]) : clean(enc(rng.nasty()));
}

function query(rng: Rng): string {
  const q = new URLSearchParams();
  if (rng.chance(0.9)) q.set(rng.chance(0.95) ? 'api-version' : 'API-VERSION', rng.chance(0.8) ? rng.pick(API_VERSIONS.slice(0, 5)) : rng.chance(0.5) ? rng.pick(API_VERSIONS) : rng.nasty());
  if (rng.chance(0.05)) q.append('api-version', rng.pick(API_VERSIONS));
  if (rng.chance(0.12)) q.set('$skiptoken', rng.pick(['1', '0', '100', '-1', 'x', '99999999999999999999', rng.nasty()]));
  if (rng.chance(0.12)) q.set('$top', rng.pick(['1', '0', '-1', '1000', '1e308', 'x', rng.nasty()]));
  if (rng.chance(0.1)) q.set('$expand', rng.pick(['instanceView', 'userData', 'nope', rng.nasty()]));
  if (rng.chance(0.1)) q.set('$filter', rng.pick([`virtualMachineScaleSet/id eq '/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/fauxcloud-vmss'`, "name eq 'x'", 'eq', "(a|a)*c eq '('", rng.nasty()]));
  if (rng.chance(0.05)) q.set(rng.pick(['__proto__', 'constructor', 'statusOnly', 'forceDeletion', 'forceDetach']), rng.nasty());
  const qs = q.toString();
  return qs ? `?${qs}` : '';
}

function armPath(rng: Rng): string {
  const sub = rng.chance(0.9) ? SUB : rng.pick(['00000000-0000-0000-0000-000000000009', 'nope', '', '..', enc(rng.nasty())]);
  const rg = rng.chance(0.85) ? (rng.chance(0.9) ? RG : RG.toUpperCase()) : rng.pick(['nope-rg', '', '%2e%2e', enc(rng.nasty())]);
  const base = `/${seg(rng, 'subscriptions')}/${sub}`;
  const kind = rng.next();
  if (kind < 0.05) return `${base}${query(rng)}`;
  if (kind < 0.1) return `${base}/${seg(rng, 'resourcegroups')}${rng.chance(0.5) ? `/${rg}` : ''}${query(rng)}`;
  if (kind < 0.15) return `${base}/${seg(rng, 'providers')}/${seg(rng, rng.pick(['Microsoft.Compute', 'Microsoft.Network', 'Microsoft.Nope']))}${rng.chance(0.5) ? `/${rng.pick(['locations/eastus/operations', 'locations/eastus/operationResults', 'disks', 'virtualMachines', 'locations/nowhere/operations'])}/${rng.chance(0.5) ? name(rng) : ''}` : ''}${query(rng)}`;
  const compute = rng.chance(0.5);
  const type = rng.pick(compute ? COMPUTE : NETWORK);
  let p = `${base}/${seg(rng, 'resourceGroups')}/${rg}/${seg(rng, 'providers')}/${seg(rng, compute ? 'Microsoft.Compute' : 'Microsoft.Network')}/${seg(rng, type)}`;
  if (rng.chance(0.8)) {
    p += `/${name(rng, type)}`;
    const kids = CHILD[type];
    if (kids && rng.chance(0.4)) {
      p += `/${seg(rng, rng.pick(kids))}`;
      if (rng.chance(0.7)) p += `/${name(rng)}`;
      if (type === 'virtualMachineScaleSets' && rng.chance(0.3)) p += `/${seg(rng, 'networkInterfaces')}${rng.chance(0.5) ? `/${name(rng, 'networkInterfaces')}` : ''}`;
    }
    if (rng.chance(0.05)) p += `/${rng.pick(['start', 'powerOff', 'deallocate', 'restart', 'nope', '..', ''])}`;
  }
  return `${p}${query(rng)}`;
}

function value(rng: Rng, depth = 0): unknown {
  const k = rng.int(depth > 3 ? 4 : 7);
  if (k === 0) return rng.nasty();
  if (k === 1) return rng.pick([0, -1, 10, 4, 32767, 32768, 65537, 1e308, 1.5, '10', '-5', '0x10', '1e308']);
  if (k === 2) return rng.pick([true, false, null, `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/${rng.pick(REAL['disks']!.length ? REAL['disks']! : ['x'])}`, `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/x/subnets/y`]);
  if (k === 3) return rng.pick(['Empty', 'Copy', 'Attach', 'FromImage', 'Static', 'Dynamic', 'Premium_LRS', 'UltraSSD_LRS', 'Standard', 'eastus', 'ForceDetach']);
  if (k === 4) return Array.from({ length: rng.int(3) }, () => value(rng, depth + 1));
  if (k === 5) return Object.fromEntries(Array.from({ length: rng.int(3) }, () => [rng.chance(0.5) ? rng.word(6) : rng.nasty(), rng.chance(0.6) ? rng.word(6) : value(rng, depth + 1)]));
  return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(FIELDS), value(rng, depth + 1)]));
}

function armBody(rng: Rng): string {
  return rng.pick([
    () => JSON.stringify({ location: rng.pick(['eastus', 'EastUS', 'nowhere', '']), ...(rng.chance(0.5) ? { sku: { name: value(rng) }, zones: rng.pick([['1'], ['9'], '1', [1], []]) } : {}), properties: Object.fromEntries(Array.from({ length: 1 + rng.int(4) }, () => [rng.pick(FIELDS), value(rng)])) }),
    () => JSON.stringify({ location: 'eastus', properties: { creationData: { createOption: rng.pick(['Empty', 'Copy', 'CopyStart', 'Nope', 5]), sourceResourceId: value(rng) }, diskSizeGB: rng.pick(['10', -1, 0, 1e308, 1.5, '1e308', 65536, null, [], {}]) } }),
    () => JSON.stringify({ properties: { storageProfile: { dataDisks: Array.from({ length: rng.int(4) }, () => ({ lun: rng.pick([0, 1, -1, 64, '1', 1e308]), createOption: rng.pick(['Attach', 'Empty', 'x']), managedDisk: { id: value(rng) }, toBeDetached: value(rng), diskSizeGB: value(rng) })) } } }),
    () => JSON.stringify(value(rng)),
    () => '{"location":',
    () => '{"__proto__":{"polluted":true},"location":"eastus","properties":{}}',
    () => '{"constructor":{"prototype":{"x":1}},"properties":{"constructor":1}}',
    () => `${'{"properties":'.repeat(200)}1${'}'.repeat(200)}`,
    () => `${'['.repeat(5000)}${']'.repeat(5000)}`,
    () => JSON.stringify({ location: 'eastus', tags: { [rng.nasty()]: 'x'.repeat(rng.pick([10, 257, 70_000])) }, properties: {} }),
    () => rng.nasty(),
  ])();
}

const decoded = (p: string): string => {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
};

function arm(rng: Rng): FuzzRequest {
  let method = rng.pick(['GET', 'GET', 'PUT', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'POST', 'OPTIONS']);
  // An empty Content-Type with a body is refused by fastify before any cloud sees it: rare here, so the stream reaches ARM.
  const headers: Record<string, string> = { 'content-type': rng.chance(0.03) ? '' : rng.pick(['application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain']) };
  const auth = rng.next();
  if (auth < 0.85) headers['authorization'] = `Bearer ${session.token}`;
  else if (auth < 0.95) headers['authorization'] = rng.pick(['Bearer ', 'Bearer x.y.z', 'Basic Zm9vOmJhcg==', '']);
  if (rng.chance(0.15)) headers['if-match'] = rng.pick([...ETAGS.slice(0, 3), '*', '"0"', '"999"', 'W/"00000000-0000-0000-0000-000000000000"', '', rng.nasty()]);
  if (rng.chance(0.05)) headers['if-none-match'] = rng.pick(['*', '"1"', rng.nasty()]);
  if (rng.chance(0.03)) headers['host'] = rng.pick(['a","injected":"b', 'x y', 'example.com:99']);
  let path = armPath(rng);
  if (POLLS.length && rng.chance(0.08)) path = rng.pick(POLLS).replace(/\?.*$/, '') + (rng.chance(0.8) ? query(rng) : '');
  // Deleting (or replacing) the shared resource group would empty the world for the rest of the run.
  if (method !== 'GET' && method !== 'HEAD' && /\/resourcegroups\/fauxcloud\/?(\?|$)/i.test(decoded(path))) method = 'GET';
  const body = method === 'PUT' || method === 'PATCH' || method === 'POST' ? (rng.chance(0.95) ? armBody(rng) : undefined) : rng.chance(0.05) ? armBody(rng) : undefined;
  return { method, path, headers, body };
}

function entra(rng: Rng): FuzzRequest {
  const tenant = rng.pick(['adfs', 'common', 'organizations', '00000000-0000-0000-0000-000000000000', 'fauxcloud', clean(enc(rng.nasty()))]);
  const path = rng.pick([`/${tenant}/oauth2/v2.0/token`, `/${tenant}/oauth2/token`, `/${tenant}/oauth2/v2.0/token`, `/${tenant}/v2.0/.well-known/openid-configuration`, `/${tenant}/.well-known/openid-configuration`, '/adfs/.well-known/openid-configuration', `/common/discovery/instance?api-version=1.1&authorization_endpoint=${enc(rng.pick(['https://login.microsoftonline.com/common/oauth2/v2.0/authorize', 'nope', '', rng.nasty()]))}`, `/${tenant}/discovery/v2.0/keys`, `/${tenant}/oauth2/v2.0/devicecode`]);
  const form = new URLSearchParams();
  if (rng.chance(0.85)) form.set('grant_type', rng.pick(['client_credentials', 'client_credentials', 'refresh_token', 'password', 'urn:ietf:params:oauth:grant-type:jwt-bearer', rng.nasty()]));
  if (rng.chance(0.8)) form.set('client_id', rng.pick(['fauxcloud-client', '00000000-0000-0000-0000-000000000001', '', rng.nasty()]));
  if (rng.chance(0.6)) form.set('client_secret', rng.pick(['secret', '', rng.nasty()]));
  if (rng.chance(0.25)) form.set('client_assertion_type', rng.pick(['urn:ietf:params:oauth:client-assertion-type:jwt-bearer', rng.nasty()]));
  if (rng.chance(0.25)) form.set('client_assertion', rng.pick(['a.b.c', 'eyJhbGciOiJSUzI1NiJ9.e30.x', 'eyJhbGciOiJub25lIn0.eyJfX3Byb3RvX18iOnsieCI6MX19.', `${'eyJ'.repeat(3000)}.e30.x`, session.token, rng.nasty()]));
  if (rng.chance(0.6)) form.set('scope', rng.pick(['https://management.azure.com/.default', 'https://management.azure.com//.default openid offline_access', 'https://management.core.windows.net/.default', 'openid', '', '.default', rng.nasty()]));
  if (rng.chance(0.3)) form.set('resource', rng.pick(['https://management.azure.com/', 'https://management.core.windows.net/', '', rng.nasty()]));
  if (rng.chance(0.05)) form.append('scope', 'x');
  const headers: Record<string, string> = { 'content-type': rng.chance(0.03) ? '' : rng.pick(['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded', 'application/json', 'text/plain']) };
  if (rng.chance(0.15)) headers['authorization'] = rng.pick(['Basic Zm9vOmJhcg==', 'Basic !!!', 'Basic ', `Basic ${Buffer.from(rng.nasty()).toString('base64')}`]);
  return { method: rng.pick(['POST', 'POST', 'POST', 'GET', 'PUT']), path, headers, body: rng.chance(0.85) ? form.toString() : rng.chance(0.5) ? JSON.stringify(value(rng)) : rng.nasty() };
}

function imds(rng: Rng): FuzzRequest {
  const leaf = rng.pick(['/metadata/instance', '/metadata/instance', '/metadata/instance/compute', '/metadata/instance/compute/name', '/metadata/instance/compute/tagsList', '/metadata/instance/network/interface/0/ipv4/ipAddress/0/privateIpAddress', '/metadata/instance/network/interface/99', '/metadata/instance/compute/__proto__', '/metadata/instance/compute/constructor', '/metadata/loadbalancer', '/metadata/identity/oauth2/token', '/metadata/identity/oauth2/token', '/msi/token', '/metadata/scheduledevents', '/metadata/attested/document', '/metadata/instance/../../etc/passwd', `/metadata/${clean(enc(rng.nasty()))}`, `/metadata/instance/${clean(enc(rng.nasty()))}`]);
  const q = new URLSearchParams();
  if (rng.chance(0.8)) q.set('api-version', rng.pick(['2021-10-01', '2018-02-01', '2019-08-01', '2099-01-01', '', rng.nasty()]));
  if (rng.chance(0.2)) q.set('format', rng.pick(['text', 'json', 'xml', rng.nasty()]));
  if (rng.chance(0.4)) q.set('resource', rng.pick(['https://management.azure.com/', 'https://vault.azure.net', '', rng.nasty()]));
  if (rng.chance(0.15)) q.set(rng.pick(['client_id', 'object_id', 'msi_res_id', 'mi_res_id', 'principal_id']), rng.nasty());
  const headers: Record<string, string> = {};
  if (rng.chance(0.75)) headers['metadata'] = rng.pick(['true', 'true', 'True', 'false', '']);
  if (rng.chance(0.1)) headers['x-identity-header'] = rng.nasty();
  if (rng.chance(0.05)) headers['x-forwarded-for'] = '1.2.3.4';
  if (rng.chance(0.3)) headers['x-fauxcloud-instance'] = rng.pick(['node-a', 'node-b', 'node-c', 'nope', '', rng.nasty()]);
  const qs = q.toString();
  return { method: rng.pick(['GET', 'GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE']), path: `${leaf}${qs ? `?${qs}` : ''}`, headers };
}

function discovery(rng: Rng): FuzzRequest {
  const q = rng.pick(['?api-version=2019-05-01', '?api-version=2022-09-01', '', '?api-version=', `?api-version=${enc(rng.nasty())}`]);
  const headers: Record<string, string> = {};
  if (rng.chance(0.1)) headers['host'] = rng.pick(['a","injected":"b', 'x y', '[::1]:1']);
  return { method: rng.pick(['GET', 'GET', 'POST', 'HEAD']), path: `/metadata/endpoints${q}`, headers };
}

function acr(rng: Rng): FuzzRequest {
  const registry = rng.pick(['fauxcloud.azurecr.io', 'FAUXCLOUD.azurecr.io', 'x.azurecr.io', 'myregistry.azurecr.cn', 'ab.azurecr.io']);
  const sub = rng.pick(['/v2/', '/v2', '/oauth2/exchange', '/oauth2/exchange', '/oauth2/token', '/v2/library/nginx/manifests/latest', `/${clean(enc(rng.nasty()))}`]);
  const hostForm = rng.chance(0.7);
  const form = new URLSearchParams();
  if (rng.chance(0.8)) form.set('grant_type', rng.pick(['access_token', 'refresh_token', 'access_token_refresh_token', 'password', rng.nasty()]));
  if (rng.chance(0.7)) form.set('service', rng.pick([registry, 'other.azurecr.io', '', rng.nasty()]));
  if (rng.chance(0.7)) form.set('access_token', rng.pick([session.token, session.token, 'a.b.c', '', rng.nasty()]));
  if (rng.chance(0.3)) form.set('refresh_token', rng.nasty());
  if (rng.chance(0.3)) form.set('scope', rng.pick(['repository:nginx:pull', 'registry:catalog:*', rng.nasty()]));
  if (rng.chance(0.2)) form.set('tenant', rng.nasty());
  const headers: Record<string, string> = { 'content-type': rng.chance(0.03) ? '' : rng.pick(['application/x-www-form-urlencoded', 'application/json']) };
  if (hostForm) headers['host'] = registry;
  if (rng.chance(0.1)) headers['authorization'] = rng.pick(['Basic Zm9vOmJhcg==', `Bearer ${session.token}`, 'Basic !!!']);
  return { method: rng.pick(['POST', 'POST', 'GET', 'GET', 'HEAD', 'DELETE']), path: hostForm ? sub : `/acr/${registry}${sub}`, headers, body: rng.chance(0.85) ? form.toString() : rng.nasty() };
}

function json(text: string): Record<string, unknown> | undefined {
  try {
    const b = JSON.parse(text) as unknown;
    return b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isAcr(req: FuzzRequest): boolean {
  return req.path.startsWith('/acr/') || /\.azurecr\./i.test(req.headers?.['host'] ?? '');
}

function shape(req: FuzzRequest, res: FuzzResponse): string | undefined {
  if (req.method === 'HEAD' || res.status === 204 || (res.status === 202 && !res.text)) return undefined;
  const p = req.path.split('?')[0]!;
  if (isAcr(req)) {
    if (res.status < 400) return json(res.text) ? undefined : 'ACR answer is no JSON object';
    const e = json(res.text)?.['errors'];
    return Array.isArray(e) && e.every((x) => typeof (x as Record<string, unknown>)['code'] === 'string' && typeof (x as Record<string, unknown>)['message'] === 'string') ? undefined : "not the registry's {errors: [{code, message}]}";
  }
  if (/^\/subscriptions(\/|$)/i.test(p) || /^\/%73ubscriptions/i.test(p)) {
    if (res.status < 400) return res.text === '' || json(res.text) ? undefined : 'ARM answer is no JSON object';
    const b = json(res.text);
    if (!b) return genericShape(res) ? undefined : 'ARM error is not JSON';
    const e = b['error'] as Record<string, unknown> | undefined;
    if (!e || typeof e !== 'object') return genericShape(res) ? undefined : 'not ARM\'s {"error": {"code", "message"}}';
    if (typeof e['code'] !== 'string' || !e['code'] || typeof e['message'] !== 'string') return 'ARM error without a string code and message';
    if (res.headers['x-ms-error-code'] !== e['code']) return `x-ms-error-code ${String(res.headers['x-ms-error-code'])} is not the body's code ${String(e['code'])}`;
    return undefined;
  }
  if (p.startsWith('/metadata/') || p === '/msi/token') {
    if (res.status < 400) return p === '/metadata/endpoints' ? (Array.isArray(JSON.parse(res.text)) || json(res.text) ? undefined : 'discovery answer is not JSON') : undefined;
    const b = json(res.text);
    if (!b) return 'IMDS error is not a JSON object';
    if (typeof b['error'] !== 'string') return 'IMDS error without a string "error"';
    if (/identity|msi/.test(p) && typeof b['error_description'] !== 'string' && !/metadata header|X-IDENTITY-HEADER|X-Forwarded-For|api-version|Method not allowed|Not found/i.test(b['error'])) return 'managed identity error without error_description';
    return undefined;
  }
  const b = json(res.text);
  if (!b) return genericShape(res) ? undefined : 'Entra ID answer is no JSON object';
  if (res.status < 400) return undefined;
  if (genericShape(res)) return undefined;
  if (typeof b['error'] !== 'string' || typeof b['error_description'] !== 'string' || !Array.isArray(b['error_codes'])) return "not Entra ID's {error, error_description, error_codes}";
  return undefined;
}

/** Core's NotRecognised JSON and fastify's own refusals, as the harness accepts them. */
function genericShape(res: FuzzResponse): boolean {
  const b = json(res.text);
  if (!b) return false;
  if (res.status === 404 && b['error'] === 'NotRecognised') return true;
  return [400, 404, 413, 415, 431].includes(res.status) && typeof b['message'] === 'string' && typeof b['error'] === 'string';
}

const ARM = `/subscriptions/${SUB}/resourceGroups/${RG}/providers`;
const V = '?api-version=2024-03-02';
const auth = (): Record<string, string> => ({ authorization: `Bearer ${session.token}`, 'content-type': 'application/json' });
/** A request carrying the session's token, read when it is sent (setup fills it in later). */
const armReq = (method: string, path: string, body?: unknown, extra: Record<string, string> = {}): FuzzRequest => ({
  method,
  path,
  get headers() {
    return { ...auth(), ...extra };
  },
  body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
});
const IP = { location: 'eastus', sku: { name: 'Standard' }, properties: { publicIPAllocationMethod: 'Static' } };
const armCode = (status: number, code: string) => (res: FuzzResponse) => {
  expect(res.status).toBe(status);
  expect((JSON.parse(res.text) as { error: { code: string } }).error.code).toBe(code);
  expect(res.headers['x-ms-error-code']).toBe(code);
};

export const generator: FuzzGenerator = {
  name: 'azure',
  requests: 2000,
  faults: [{ name: 'fuzz-injected', match: { cloud: 'azure', operation: 'Subscriptions_Get' }, error: 'InternalServerError' }],
  async setup({ server }) {
    const tok = await send(server, { method: 'POST', path: '/adfs/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'fauxcloud-client', client_secret: 'fauxcloud-secret', resource: 'https://management.azure.com/' }).toString() });
    if (tok.status !== 200) throw new Error(`Entra ID token failed: ${tok.status} ${tok.text.slice(0, 200)}`);
    session.token = String((JSON.parse(tok.text) as { access_token: string }).access_token);
    const h = { authorization: `Bearer ${session.token}` };
    for (const [ns, type] of [['Compute', 'disks'], ['Compute', 'virtualMachines'], ['Compute', 'virtualMachineScaleSets'], ['Compute', 'snapshots'], ['Network', 'networkInterfaces'], ['Network', 'virtualNetworks'], ['Network', 'networkSecurityGroups'], ['Network', 'routeTables'], ['Network', 'publicIPAddresses'], ['Network', 'loadBalancers']] as const) {
      const r = await send(server, { method: 'GET', path: `${ARM}/Microsoft.${ns}/${type}${V}`, headers: h });
      if (r.status !== 200) throw new Error(`listing ${type} failed: ${r.status} ${r.text.slice(0, 200)}`);
      for (const item of (JSON.parse(r.text) as { value: Array<{ name: string; etag?: string }> }).value) {
        REAL[type]!.push(item.name);
        if (item.etag) ETAGS.push(item.etag);
      }
    }
    if (!['node-a', 'node-b', 'node-c'].every((n) => REAL['virtualMachines']!.includes(n)) || !REAL['virtualMachineScaleSets']!.includes('fauxcloud-vmss') || !REAL['disks']!.length || !REAL['networkInterfaces']!.length)
      throw new Error(`the default scenario's Azure resources were not found: ${JSON.stringify(REAL)}`);
    // A real long-running operation, so its status and result URLs are in the stream.
    const put = await send(server, { method: 'PUT', path: `${ARM}/Microsoft.Compute/disks/fz-setup${V}`, headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ location: 'eastus', sku: { name: 'Premium_LRS' }, properties: { creationData: { createOption: 'Empty' }, diskSizeGB: 4 } }) });
    for (const k of ['azure-asyncoperation', 'location']) {
      const u = put.headers[k];
      if (typeof u === 'string') POLLS.push(new URL(u).pathname + new URL(u).search);
    }
    if (!POLLS.length) throw new Error(`a disk PUT gave no LRO URLs: ${put.status} ${put.text.slice(0, 200)}`);
    REAL['disks']!.push('fz-setup');
  },
  next(rng) {
    const r = rng.next();
    if (r < 0.62) return arm(rng);
    if (r < 0.75) return entra(rng);
    if (r < 0.87) return imds(rng);
    if (r < 0.9) return discovery(rng);
    if (r < 0.97) return acr(rng);
    return { method: rng.pick(['GET', 'POST']), path: `/${clean(rng.word())}/${clean(enc(rng.nasty()))}` };
  },
  shape,
  fixed: [
    { why: 'an ARM body over the limit is RequestEntityTooLarge (413), answered from Content-Length', request: oversized('PUT', `${ARM}/Microsoft.Compute/disks/big${V}`, { 'content-type': 'application/json' }), check: armCode(413, 'RequestEntityTooLarge') },
    { why: 'a subscription child no provider serves is InvalidResourceType (404)', request: armReq('GET', `/subscriptions/${SUB}/nope${V}`), check: armCode(404, 'InvalidResourceType') },
    { why: 'an unknown ARM path without api-version is MissingApiVersionParameter (400)', request: armReq('PROPFIND', `/subscriptions/${SUB}/nope`), check: armCode(400, 'MissingApiVersionParameter') },
    { why: 'a disk that does not exist is ResourceNotFound', request: armReq('GET', `${ARM}/Microsoft.Compute/disks/fz-none${V}`), check: armCode(404, 'ResourceNotFound') },
    { why: 'a resource group that does not exist is ResourceGroupNotFound', request: armReq('GET', `/subscriptions/${SUB}/resourceGroups/fz-nope/providers/Microsoft.Compute/disks/d${V}`), check: armCode(404, 'ResourceGroupNotFound') },
    { why: 'a subscription that does not exist is SubscriptionNotFound', request: armReq('GET', `/subscriptions/00000000-0000-0000-0000-000000000009/resourceGroups/${RG}${V}`), check: armCode(404, 'SubscriptionNotFound') },
    { why: 'no api-version is MissingApiVersionParameter', request: armReq('GET', `${ARM}/Microsoft.Compute/disks`), check: armCode(400, 'MissingApiVersionParameter') },
    { why: 'malformed JSON is InvalidRequestContent', request: armReq('PUT', `${ARM}/Microsoft.Compute/disks/fz-bad${V}`, '{"location":'), check: armCode(400, 'InvalidRequestContent') },
    { why: 'diskSizeGB as a word is InvalidRequestContent', request: armReq('PUT', `${ARM}/Microsoft.Compute/disks/fz-bad${V}`, { location: 'eastus', properties: { creationData: { createOption: 'Empty' }, diskSizeGB: 'ten' } }), check: armCode(400, 'InvalidRequestContent') },
    // A resource the random stream never names (it may delete node-a), so the etag checks meet a live one.
    { why: 'a public IP PUT is accepted', request: armReq('PUT', `${ARM}/Microsoft.Network/publicIPAddresses/fixed-ip${V}`, IP), check: (res) => expect([200, 201]).toContain(res.status) },
    { why: 'a stale If-Match is 412 PreconditionFailed', request: armReq('PUT', `${ARM}/Microsoft.Network/publicIPAddresses/fixed-ip${V}`, IP, { 'if-match': 'W/"00000000-0000-0000-0000-000000000000"' }), check: armCode(412, 'PreconditionFailed') },
    { why: 'If-None-Match * on an existing resource is 412', request: armReq('PUT', `${ARM}/Microsoft.Network/publicIPAddresses/fixed-ip${V}`, IP, { 'if-none-match': '*' }), check: armCode(412, 'PreconditionFailed') },
    {
      why: 'IMDS without Metadata: true is 400 with its own error',
      request: { method: 'GET', path: '/metadata/instance?api-version=2021-10-01' },
      check: (res) => {
        expect(res.status).toBe(400);
        expect(JSON.parse(res.text)).toEqual({ error: 'Required metadata header not specified' });
      },
    },
    {
      why: 'Entra ID without a secret or assertion is 401 invalid_client AADSTS7000218',
      request: { method: 'POST', path: '/adfs/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=x&resource=https%3A%2F%2Fmanagement.azure.com%2F' },
      check: (res) => {
        expect(res.status).toBe(401);
        const b = JSON.parse(res.text) as { error: string; error_codes: number[] };
        expect(b.error).toBe('invalid_client');
        expect(b.error_codes).toEqual([7000218]);
      },
    },
    {
      why: 'ACR /v2/ without a token is 401 with a Bearer challenge naming the registry',
      request: { method: 'GET', path: '/v2/', headers: { host: 'fauxcloud.azurecr.io' } },
      check: (res) => {
        expect(res.status).toBe(401);
        expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer realm="[^"]+\/oauth2\/token",service="fauxcloud\.azurecr\.io"/);
      },
    },
  ],
};
