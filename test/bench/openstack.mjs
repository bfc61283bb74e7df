// The OpenStack leg: Cinder v3 and Nova as cinder-csi-plugin's controller calls them, against
// fauxcloud only (no HTTP peer emulates Cinder or Nova: devstack is the real thing, and
// gophercloud's and kops' fakes are in-process).
//
//   osLogin                       Keystone password auth: token, project id, node-a's id
//   osPhase                       one Cinder/Nova request as a load.mjs phase
//   measureOsFlow                 create -> poll available -> attach (Nova) -> poll in-use ->
//                                 detach -> poll available -> delete, run by flow-runner.mjs
//
// Every request carries the token in X-Auth-Token, as gophercloud sends it. Loopback only.

import { FlowError, failedAs, measureFlows, poll, send } from './flow-runner.mjs';

export const OS_NODE = 'node-a';
const AUTH = {
  auth: {
    identity: { methods: ['password'], password: { user: { name: 'fauxcloud', domain: { name: 'Default' }, password: 'fauxcloud-password' } } },
    scope: { project: { name: 'fauxcloud', domain: { name: 'Default' } } },
  },
};

export const parseJson = (body) => { try { return JSON.parse(body); } catch { return undefined; } };

/** "HTTP 413 overLimit: VolumeLimitExceeded: …" from any OpenStack error body. */
export function describeOsAnswer({ status, body }) {
  const j = parseJson(body);
  if (j && typeof j === 'object') {
    const [k, v] = Object.entries(j)[0] ?? [];
    if (v && typeof v === 'object' && 'message' in v) return `HTTP ${status} ${k}: ${v.message}`;
    if (typeof j.faultstring === 'string') return `HTTP ${status}: ${j.faultstring}`;
  }
  const snippet = String(body).replace(/\s+/g, ' ').trim().slice(0, 160);
  return `HTTP ${status}${snippet ? ` body: ${snippet}` : ' (empty body)'}`;
}

/** Authenticates, lifts the project's volume quota for the run, finds node-a. */
export async function osLogin(baseUrl) {
  const base = baseUrl.replace(/\/$/, '');
  const r = await fetch(`${base}/openstack/identity/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(AUTH), signal: AbortSignal.timeout(5000) });
  if (r.status !== 201) throw new Error(`Keystone answered ${describeOsAnswer({ status: r.status, body: await r.text() })}`);
  const token = r.headers.get('x-subject-token');
  const projectId = (await r.json()).token.project.id;
  const headers = { 'x-auth-token': token, accept: 'application/json', 'content-type': 'application/json' };
  const volume = `/openstack/volume/v3/${projectId}`;
  const q = await fetch(`${base}${volume}/os-quota-sets/${projectId}`, { method: 'PUT', headers, body: JSON.stringify({ quota_set: { volumes: -1, gigabytes: -1 } }) });
  if (q.status !== 200) throw new Error(`quota update answered ${describeOsAnswer({ status: q.status, body: await q.text() })}`);
  const s = await fetch(`${base}/openstack/compute/v2.1/servers/detail?name=%5E${OS_NODE}%24`, { headers });
  const server = (await s.json()).servers?.[0];
  if (!server) throw new Error(`no server ${OS_NODE}`);
  return { token, projectId, volume, serverId: server.id, headers };
}

/** One request as a load.mjs measurePhase (the same request for the load and the sample). */
export function osPhase(baseUrl, login, { method, path, makeBody, check }) {
  const url = baseUrl.replace(/\/$/, '');
  return {
    request: { url: baseUrl, method, path, headers: login.headers, makeBody, label: `${method} ${path}` },
    sample: async () => {
      const r = await fetch(`${url}${path}`, { method, headers: login.headers, body: makeBody?.(), signal: AbortSignal.timeout(5000) });
      return { status: r.status, body: await r.text() };
    },
    judge: (answer) => {
      if (answer.status < 200 || answer.status >= 300) return describeOsAnswer(answer);
      const json = parseJson(answer.body);
      return json === undefined ? 'answer is not JSON' : check(json);
    },
  };
}

async function call(ctx, flow, method, path, body, what) {
  const a = await send(ctx, flow, { method, path, headers: ctx.login.headers, body, what });
  return a.body ? parseJson(a.body) : undefined;
}

async function waitStatus(ctx, flow, id, status, after) {
  return poll(ctx, () => call(ctx, flow, 'GET', `${ctx.login.volume}/volumes/${id}`, undefined, 'GetVolume'),
    (v) => v?.volume?.status === status, (v, ms) => `${after}: volume ${id} not ${status} after ${ms} ms (last: ${v?.volume?.status})`);
}

/** What cinder-csi-plugin does for one volume: CreateVolume, ControllerPublish, ControllerUnpublish, DeleteVolume. */
async function oneFlow(ctx, flow, name) {
  const { volume, serverId } = ctx.login;
  const created = await call(ctx, flow, 'POST', `${volume}/volumes`, JSON.stringify({ volume: { name, size: 1, availability_zone: 'nova' } }), 'CreateVolume');
  const id = created?.volume?.id;
  if (!id) throw new FlowError('other', 'CreateVolume answered no volume id');
  await waitStatus(ctx, flow, id, 'available', 'CreateVolume');
  await call(ctx, flow, 'POST', `/openstack/compute/v2.1/servers/${serverId}/os-volume_attachments`, JSON.stringify({ volumeAttachment: { volumeId: id } }), 'AttachVolume');
  await waitStatus(ctx, flow, id, 'in-use', 'AttachVolume');
  await call(ctx, flow, 'DELETE', `/openstack/compute/v2.1/servers/${serverId}/os-volume_attachments/${id}`, undefined, 'DetachVolume');
  await waitStatus(ctx, flow, id, 'available', 'DetachVolume');
  await call(ctx, flow, 'DELETE', `${volume}/volumes/${id}`, undefined, 'DeleteVolume');
}

export function measureOsFlow(url, settings) {
  return measureFlows(url, settings, {
    describe: describeOsAnswer,
    prepare: async () => {
      const login = await osLogin(url).catch((err) => failedAs('OpenStack set-up')(new FlowError('other', err.message)));
      return { login, instance: `${OS_NODE} (${login.serverId})` };
    },
    slots: (phase) => {
      let seq = 0;
      const tag = phase === 'warm-up' ? 'w' : 'm';
      return { take: () => `bench-flow-${tag}-${seq++}` };
    },
    oneFlow,
  });
}
