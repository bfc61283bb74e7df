/**
 * OpenStack has no official JS SDK: tests speak its REST API as gophercloud does. `login` does
 * Keystone's password flow and reads the catalog; `call` sends a request to a service endpoint
 * from that catalog with the token and an optional microversion.
 */
import type { RunningServer } from '../../core/server.js';

export const USER = 'fauxcloud';
export const PASSWORD = 'fauxcloud-password';
export const PROJECT = 'fauxcloud';

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  json: T;
}

export interface Session {
  token: string;
  projectId: string;
  userId: string;
  catalog: Array<{ type: string; endpoints: Array<{ interface: string; region: string; url: string }> }>;
  /** The public endpoint of a service type in RegionOne. */
  endpoint(type: string): string;
  call<T = any>(type: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
}

export async function request<T = any>(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const res = await fetch(url, {
    method,
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, json: json as T };
}

export function passwordAuth(user = USER, password = PASSWORD, project: Record<string, unknown> | undefined = { name: PROJECT, domain: { name: 'Default' } }) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
      ...(project ? { scope: { project } } : {}),
    },
  };
}

export async function login(server: RunningServer, body: unknown = passwordAuth()): Promise<Session> {
  const r = await request(`${server.httpUrl}/openstack/identity/v3/auth/tokens`, 'POST', body);
  if (r.status !== 201) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.json)}`);
  const token = r.headers.get('x-subject-token')!;
  const t = r.json.token;
  const session: Session = {
    token,
    projectId: t.project?.id,
    userId: t.user.id,
    catalog: t.catalog ?? [],
    endpoint(type) {
      const svc = session.catalog.find((s) => s.type === type);
      const ep = svc?.endpoints.find((e) => e.interface === 'public' && e.region === 'RegionOne');
      if (!ep) throw new Error(`no ${type} endpoint`);
      return ep.url;
    },
    call(type, method, path, body, headers = {}) {
      return request(`${session.endpoint(type)}${path}`, method, body, { 'x-auth-token': token, ...headers });
    },
  };
  return session;
}

export const nova = (v: string) => ({ 'X-OpenStack-Nova-API-Version': v, 'OpenStack-API-Version': `compute ${v}` });
export const cinder = (v: string) => ({ 'OpenStack-API-Version': `volume ${v}` });
