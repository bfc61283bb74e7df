/** Keystone v3's routes: the version documents, tokens, the caller's catalog and projects, a user's groups. */
import { CloudError } from '../../../core/errors.js';
import type { Handler } from '../shared/context.js';
import type { Route } from '../shared/routes.js';
import { jsonBody, noContent, ok } from '../shared/wire.js';
import { OS, type ProjectData, type UserData } from '../records.js';
import { catalog, stableId } from './catalog.js';
import { authenticate, DEFAULT_TOKEN_TTL_SECONDS, tokenBody, validToken } from './tokens.js';

export interface IdentityOptions {
  tokenTtlSeconds: () => number;
}

function v3(href: string): Record<string, unknown> {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

const versions: Handler = (c) => ok({ versions: { values: [v3(`${c.endpoint('identity')}/v3/`)] } }, 300);
const version: Handler = (c) => ok({ version: v3(`${c.endpoint('identity')}/v3/`) });

function subject(c: Parameters<Handler>[0]) {
  const id = c.req.headers['x-subject-token'];
  const rec = validToken(c.engine, typeof id === 'string' ? id : undefined);
  if (!rec) throw new CloudError('NotFound', 404, `Could not find token: ${typeof id === 'string' ? id : ''}.`);
  return { id: id as string, rec };
}

export function identityRoutes(opts: IdentityOptions): Route<Handler>[] {
  const issue: Handler = (c) => {
    const { id, record } = authenticate(c.engine, jsonBody(c.req), opts.tokenTtlSeconds() || DEFAULT_TOKEN_TTL_SECONDS);
    c.call.touch(record.data.userId);
    return ok(tokenBody(c.cloud, record, c.origin, !c.query.has('nocatalog')), 201, { 'x-subject-token': id });
  };
  const check: Handler = (c) => {
    const { id, rec } = subject(c);
    return ok(c.req.method === 'HEAD' ? undefined : tokenBody(c.cloud, rec, c.origin, !c.query.has('nocatalog')), 200, { 'x-subject-token': id });
  };
  const revoke: Handler = (c) => {
    const { id } = subject(c);
    c.cloud.collection(OS.token).delete(id);
    return noContent();
  };
  const authCatalog: Handler = (c) => ok({ catalog: c.token?.data.projectId ? catalog(c.origin, c.cloud, c.token.data.projectId) : [], links: { self: `${c.endpoint('identity')}/v3/auth/catalog`, previous: null, next: null } });
  const authProjects: Handler = (c) => {
    const user = c.cloud.collection<UserData>(OS.user).peek(c.token!.data.userId);
    const projects = Object.keys(user?.data.roles ?? {})
      .map((id) => c.cloud.collection<ProjectData>(OS.project).peek(id))
      .filter((p) => p !== undefined)
      .map((p) => ({ id: p.id, name: p.data.name, domain_id: p.data.domainId, description: p.data.description, enabled: true, is_domain: false, parent_id: p.data.domainId, links: { self: `${c.endpoint('identity')}/v3/projects/${p.id}` } }));
    return ok({ projects, links: { self: `${c.endpoint('identity')}/v3/auth/projects`, previous: null, next: null } });
  };
  const userGroups: Handler = (c) => {
    const user = c.cloud.collection<UserData>(OS.user).peek(c.params['user_id']!);
    if (!user) throw new CloudError('NotFound', 404, `Could not find user: ${c.params['user_id']}.`);
    const self = c.token!.data.userId === user.id;
    if (!self && !c.token!.data.roles.includes('admin')) throw new CloudError('Forbidden', 403, 'You are not authorized to perform the requested action: identity:list_groups_for_user.');
    const groups = user.data.groups.map((name) => ({ id: stableId('group', user.data.domainId, name), name, domain_id: user.data.domainId, description: '', links: { self: `${c.endpoint('identity')}/v3/groups/${stableId('group', user.data.domainId, name)}` } }));
    return ok({ groups, links: { self: `${c.endpoint('identity')}/v3/users/${user.id}/groups`, previous: null, next: null } });
  };
  const getUser: Handler = (c) => {
    const user = c.cloud.collection<UserData>(OS.user).peek(c.params['user_id']!);
    if (!user) throw new CloudError('NotFound', 404, `Could not find user: ${c.params['user_id']}.`);
    return ok({ user: { id: user.id, name: user.data.name, domain_id: user.data.domainId, enabled: true, default_project_id: user.data.defaultProjectId, password_expires_at: null, options: {}, links: { self: `${c.endpoint('identity')}/v3/users/${user.id}` } } });
  };
  return [
    { method: 'GET', path: '/', op: 'ListVersions', anonymous: true, handler: versions },
    { method: 'GET', path: '/v3', op: 'GetVersion', anonymous: true, handler: version },
    { method: 'POST', path: '/v3/auth/tokens', op: 'CreateToken', anonymous: true, handler: issue },
    { method: 'GET', path: '/v3/auth/tokens', op: 'ValidateToken', handler: check },
    { method: 'DELETE', path: '/v3/auth/tokens', op: 'RevokeToken', handler: revoke },
    { method: 'GET', path: '/v3/auth/catalog', op: 'GetCatalog', handler: authCatalog },
    { method: 'GET', path: '/v3/auth/projects', op: 'ListAuthProjects', handler: authProjects },
    { method: 'GET', path: '/v3/users/{user_id}', op: 'GetUser', handler: getUser },
    { method: 'GET', path: '/v3/users/{user_id}/groups', op: 'ListUserGroups', handler: userGroups },
  ];
}
