/**
 * The admin API under /_fauxcloud/: every route with malformed and hostile bodies (clock values
 * no date can print, seed sections of the wrong types, scenario paths, YAML alias bombs, fault
 * rules, lifecycle modes, listeners for instances that do not exist, state imports).
 */
import { expect } from 'vitest';
import type { FuzzGenerator, FuzzRequest, FuzzResponse, Rng } from '../harness.js';

const NUMBERS = [0, -1, 1, 1e308, -1e308, 9e15, 8.64e15, 253402300800000, 1.5, 2 ** 53, 3_600_000];

function any(rng: Rng, depth = 0): unknown {
  const k = rng.int(depth > 2 ? 4 : 6);
  if (k === 0) return rng.nasty();
  if (k === 1) return rng.pick(NUMBERS);
  if (k === 2) return rng.pick([true, false, null]);
  if (k === 3) return rng.pick(['aws', 'gcp', '000000000000', 'fauxcloud-project', 'node-a', 'default', '1s', 'instant']);
  if (k === 4) return Array.from({ length: rng.int(3) }, () => any(rng, depth + 1));
  return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(['aws', 'gcp', 'accounts', 'projects', 'regions', 'zones', 'instances', 'name', 'ms', 'match', 'error', '__proto__', rng.word(6)]), any(rng, depth + 1)]));
}

const BOMB = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array.from({ length: 9 }, () => `*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');

const BODIES: Record<string, Array<(rng: Rng) => unknown>> = {
  '/clock/advance': [(rng) => ({ ms: rng.pick(NUMBERS) }), (rng) => ({ ms: rng.nasty() }), () => ({})],
  '/clock': [(rng) => ({ factor: rng.pick(NUMBERS) }), (rng) => ({ now: rng.pick([...NUMBERS, '2030-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '0000-01-01T00:00:00Z', rng.nasty()]) }), (rng) => ({ now: rng.pick(NUMBERS), factor: rng.pick(NUMBERS) })],
  '/seed': [(rng) => ({ seed: rng.nasty() }), (rng) => ({ resources: any(rng) }), (rng) => ({ resources: { [rng.pick(['aws', 'gcp', 'azure'])]: any(rng) } })],
  '/reset': [() => ({}), (rng) => ({ cloud: rng.pick(['aws', 'gcp', 'x']), tenant: rng.pick(['000000000000', 'fauxcloud-project', rng.nasty()]) }), (rng) => ({ cloud: rng.nasty() })],
  '/scenario': [
    (rng) => ({ name: rng.pick(['default', 'zone-outage', '/etc/passwd', '../package.json', 'scenario.schema', '..', '', 'default.yaml', rng.nasty()]) }),
    (rng) => ({ yaml: rng.pick([BOMB, 'name: x\nextends: /etc/passwd', 'name: x\nextends: ../../package.json', 'name: x\nextends: zone-outage', ': :', '[', 'seed: 5', 'lifecycle: {aws.ec2.volume: {creating: {delay: {ms: -1}}}}', rng.nasty()]) }),
    (rng) => ({ name: 'default', yaml: rng.nasty() }),
  ],
  '/faults': [
    (rng) => [{ name: rng.word(), match: any(rng), error: rng.pick(['InternalError', 'internalError', 'Nope', rng.nasty()]) }],
    (rng) => ({ name: rng.word(), match: { operation: rng.pick(['*a*a*a*a*a*a*a*a*a*b', `${'{a,b}'.repeat(30)}`, 'Describe*', rng.nasty()]) }, latency: any(rng) }),
    (rng) => any(rng),
  ],
  '/lifecycle': [(rng) => ({ 'aws.ec2.volume': { creating: any(rng) } }), (rng) => any(rng)],
  '/lifecycle/step': [(rng) => ({ cloud: 'aws', tenant: '000000000000', type: rng.pick(['aws.ec2.volume', rng.nasty()]), id: rng.nasty() }), (rng) => any(rng)],
  // Only instances that do not exist, or malformed bodies: a valid one would open a real port.
  '/listeners': [(rng) => ({ headers: { 'X-Fauxcloud-Instance': rng.pick(['no-such-node', '']) } }), (rng) => ({ headers: { 'X-Fauxcloud-Instance-Id': 'i-0123456789abcdef0' } }), (rng) => ({ headers: any(rng), port: rng.pick([-1, 70000, 1.5]) })],
  '/state': [(rng) => any(rng), (rng) => ({ version: 1, clock: { now: rng.pick(NUMBERS), factor: rng.pick(NUMBERS) }, random: { seed: 'x', streams: {} }, lifecycle: {}, store: { seq: 0, tenants: [] } })],
  '/aws/imds': [(rng) => ({ instanceId: rng.pick(['i-0123456789abcdef0', rng.nasty()]) })],
};
const GETS = ['/health', '/clock', '/journal', '/journal/count', '/journal?limit=0', '/journal?status=abc', '/journal?since=-1&limit=5', '/faults', '/lifecycle', '/scenario', '/listeners', '/ca.pem', '/openapi.json', '/endpoints', '/aws/imds', '/nope', '/%2e%2e/%2e%2e/etc/passwd', '/faults/%zz'];

function next(rng: Rng): FuzzRequest {
  if (rng.chance(0.25)) {
    const path = rng.pick(GETS);
    return { method: rng.pick(['GET', 'GET', 'DELETE', 'PATCH']), path: `/_fauxcloud${path}` };
  }
  const path = rng.pick(Object.keys(BODIES));
  const body = rng.pick(BODIES[path]!)(rng);
  const method = path === '/clock' || path === '/scenario' || path === '/state' || path === '/lifecycle' ? rng.pick(['PUT', 'PUT', 'POST']) : path === '/faults' ? rng.pick(['PUT', 'POST']) : rng.pick(['POST', 'POST', 'PUT']);
  const contentType = rng.pick(['application/json', 'application/json', 'application/json', 'application/yaml', 'text/plain', 'application/xml', '']);
  const text = rng.chance(0.05) ? rng.pick(['{', '{"a":1,"a":2}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', 'null']) : JSON.stringify(body) ?? 'null';
  return { method, path: `/_fauxcloud${path}`, headers: contentType ? { 'content-type': contentType } : {}, body: contentType === 'application/yaml' && path === '/scenario' ? String((body as { yaml?: string }).yaml ?? text) : text };
}

function shape(_req: FuzzRequest, res: FuzzResponse): string | undefined {
  if (res.status < 400) return undefined;
  try {
    const b = JSON.parse(res.text) as Record<string, unknown>;
    if (typeof b['error'] === 'string' && typeof b['message'] === 'string') return undefined;
  } catch {
    /* not JSON */
  }
  return 'not the admin error shape {error, message}';
}

const call = (method: string, path: string, body: unknown): FuzzRequest => ({ method, path: `/_fauxcloud${path}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const refused = (status = 400) => (res: FuzzResponse) => {
  expect(res.status).toBe(status);
  expect(JSON.parse(res.text)).toMatchObject({ error: expect.any(String), message: expect.any(String) });
};

export const generator: FuzzGenerator = {
  name: 'admin',
  requests: 1000,
  next,
  shape,
  fixed: [
    { why: 'advance by 1e308 ms', request: call('POST', '/clock/advance', { ms: 1e308 }), check: refused() },
    { why: 'a clock factor of 1e308', request: call('PUT', '/clock', { factor: 1e308 }), check: refused() },
    { why: 'virtual now beyond year 9999', request: call('PUT', '/clock', { now: 9e15 }), check: refused() },
    { why: 'a fault rule whose operation glob explodes', request: call('PUT', '/faults', [{ name: 'x', match: { operation: '{a,b}'.repeat(30) }, error: 'InternalError' }]), check: refused() },
    { why: 'a scenario by file path', request: call('PUT', '/scenario', { name: '/etc/passwd' }), check: refused() },
    { why: 'a scenario extending a file path', request: call('PUT', '/scenario', { yaml: 'name: x\nextends: /etc/hostname\n' }), check: refused() },
    { why: 'a YAML alias bomb', request: call('PUT', '/scenario', { yaml: BOMB }), check: refused() },
    { why: 'a seed section of the wrong type', request: call('POST', '/seed', { resources: { gcp: { projects: { p: { zones: 'z' } } } } }), check: refused() },
    { why: 'a listener for an instance that does not exist', request: call('POST', '/listeners', { headers: { 'X-Fauxcloud-Instance': 'no-such-node' } }), check: refused(404) },
    { why: 'an unknown admin route', request: { method: 'GET', path: '/_fauxcloud/nope' }, check: refused(404) },
    {
      why: 'the clock still reads after all that',
      request: { method: 'GET', path: '/_fauxcloud/clock' },
      check: (res) => {
        expect(res.status).toBe(200);
        expect(Number.isFinite((JSON.parse(res.text) as { nowMs: number }).nowMs)).toBe(true);
      },
    },
  ],
};
