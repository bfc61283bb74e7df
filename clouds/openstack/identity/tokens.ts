/**
 * Keystone v3 tokens: `POST /v3/auth/tokens` with the password, token (re-scope) and
 * application_credential methods, project scope by id or by name and domain, or trust scope; tokens live on the
 * virtual clock and an expired or unknown one is a 401 everywhere (gophercloud then authenticates
 * again, once).
 */
import { CloudError } from '../../../core/errors.js';
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { UNAUTHORIZED_MESSAGE } from '../errors.js';
import { CLOUD_TENANT, OS, type AppCredData, type ProjectData, type TokenData, type TrustData, type UserData } from '../records.js';
import { badRequest, isoMicroZ } from '../shared/wire.js';
import { catalog, stableId } from './catalog.js';

/** Keystone's default token lifetime (`[token] expiration`), unless the scenario sets one. */
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

export const unauthorized = (message = UNAUTHORIZED_MESSAGE): CloudError => new CloudError('Unauthorized', 401, message);

export function cloudTenant(engine: Engine): TenantStore {
  return engine.store.tenant('openstack', CLOUD_TENANT);
}

/** A token that exists and has not expired on the virtual clock. */
export function validToken(engine: Engine, id: string | undefined): ResourceRecord<TokenData> | undefined {
  if (!id) return undefined;
  const rec = cloudTenant(engine).collection<TokenData>(OS.token).peek(id);
  return rec && rec.data.expiresAt > engine.clock.now() ? rec : undefined;
}

const domainName = (id: string): string => (id === 'default' ? 'Default' : id);
/** Domain ids: `default` is Keystone's Default domain; other domains are named by their id. */
export const domainId = (name: string): string => (name === 'Default' || name === 'default' ? 'default' : name);

function obj(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badRequest(`Expecting to find ${what} in request body.`, 'ValidationError');
  return v as Record<string, unknown>;
}

function domainOf(ref: unknown, what: string): string {
  const d = obj(ref, `domain in ${what}`);
  if (typeof d['id'] === 'string') return d['id'];
  if (typeof d['name'] === 'string') return domainId(d['name']);
  throw badRequest(`Expecting to find id or name in domain - the server could not comply with the request since it is either malformed or otherwise incorrect.`, 'ValidationError');
}

function findUser(cloud: TenantStore, ref: unknown): ResourceRecord<UserData> {
  const u = obj(ref, 'user in password');
  const users = cloud.collection<UserData>(OS.user);
  if (typeof u['id'] === 'string') {
    const rec = users.peek(u['id']);
    if (!rec) throw unauthorized();
    return rec;
  }
  if (typeof u['name'] !== 'string') throw badRequest('Expecting to find id or name in user - the server could not comply with the request since it is either malformed or otherwise incorrect.', 'ValidationError');
  const domain = domainOf(u['domain'], 'user');
  for (const rec of users.all()) if (rec.data.name === u['name'] && rec.data.domainId === domain) return rec;
  throw unauthorized();
}

function findProject(cloud: TenantStore, ref: Record<string, unknown>): ResourceRecord<ProjectData> {
  const projects = cloud.collection<ProjectData>(OS.project);
  if (typeof ref['id'] === 'string') {
    const rec = projects.peek(ref['id']);
    if (!rec) throw unauthorized(`Could not find project: ${ref['id']}.`);
    return rec;
  }
  if (typeof ref['name'] !== 'string') throw badRequest('Expecting to find id or name in project - the server could not comply with the request since it is either malformed or otherwise incorrect.', 'ValidationError');
  const domain = domainOf(ref['domain'], 'project');
  for (const rec of projects.all()) if (rec.data.name === ref['name'] && rec.data.domainId === domain) return rec;
  throw unauthorized(`Could not find project: ${ref['name']}.`);
}

export interface Issued {
  id: string;
  record: ResourceRecord<TokenData>;
}

/** Authenticate an `{"auth": …}` body and mint a token. */
export function authenticate(engine: Engine, body: Record<string, unknown>, ttlSeconds: number): Issued {
  const cloud = cloudTenant(engine);
  const auth = obj(body['auth'], 'auth');
  const identity = obj(auth['identity'], 'identity in auth');
  const methods = identity['methods'];
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) throw badRequest('Expecting to find methods in identity - the server could not comply with the request since it is either malformed or otherwise incorrect.', 'ValidationError');
  const scope = auth['scope'] === undefined ? undefined : obj(auth['scope'], 'scope in auth');
  const now = engine.clock.now();
  let userId: string;
  let expiresAt = now + ttlSeconds * 1000;
  let projectId: string | undefined;
  let appCredId: string | undefined;
  let trustId: string | undefined;
  let roles: string[] | undefined;
  const method = methods.includes('application_credential') ? 'application_credential' : methods.includes('token') ? 'token' : methods.includes('password') ? 'password' : undefined;
  if (method === 'password') {
    const pw = obj(identity['password'], 'password in identity');
    const user = findUser(cloud, pw['user']);
    if ((pw['user'] as Record<string, unknown>)['password'] !== user.data.password) throw unauthorized();
    userId = user.id;
  } else if (method === 'token') {
    const t = obj(identity['token'], 'token in identity');
    const old = validToken(engine, typeof t['id'] === 'string' ? t['id'] : undefined);
    if (!old) throw unauthorized();
    if (old.data.appCredId) throw new CloudError('Forbidden', 403, 'Cannot use an application credential token to create a new token.');
    userId = old.data.userId;
    expiresAt = old.data.expiresAt;
  } else if (method === 'application_credential') {
    const ac = obj(identity['application_credential'], 'application_credential in identity');
    const creds = cloud.collection<AppCredData>(OS.appCred);
    let rec: ResourceRecord<AppCredData> | undefined;
    if (typeof ac['id'] === 'string') rec = creds.peek(ac['id']);
    else if (typeof ac['name'] === 'string') {
      const user = findUser(cloud, ac['user']);
      rec = [...creds.all()].find((c) => c.data.name === ac['name'] && c.data.userId === user.id);
    } else throw badRequest('Expecting to find id or name in application_credential.', 'ValidationError');
    if (!rec || ac['secret'] !== rec.data.secret) throw unauthorized();
    if (scope) throw unauthorized('Application credentials cannot request a scope.');
    userId = rec.data.userId;
    projectId = rec.data.projectId;
    appCredId = rec.id;
    roles = rec.data.roles;
  } else throw unauthorized(`Attempted to authenticate with an unsupported method.`);

  const user = cloud.collection<UserData>(OS.user).peek(userId);
  if (!user) throw unauthorized();
  if (!appCredId && scope?.['OS-TRUST:trust'] !== undefined) {
    // Trust scope: the authenticated user must be the trustee; the token acts in the trust's project with its roles.
    const ref = obj(scope['OS-TRUST:trust'], 'OS-TRUST:trust in scope');
    const trust = typeof ref['id'] === 'string' ? cloud.collection<TrustData>(OS.trust).peek(ref['id']) : undefined;
    if (!trust || (trust.data.expiresAt !== null && trust.data.expiresAt <= now)) throw new CloudError('NotFound', 404, `Could not find trust: ${String(ref['id'])}.`);
    if (trust.data.trusteeId !== userId) throw new CloudError('Forbidden', 403, 'User is not a trustee.');
    trustId = trust.id;
    projectId = trust.data.projectId;
    roles = trust.data.roles;
  } else if (!appCredId) {
    if (scope?.['project'] !== undefined) projectId = findProject(cloud, obj(scope['project'], 'project in scope')).id;
    else if (scope === undefined) projectId = user.data.defaultProjectId;
    if (projectId !== undefined) {
      roles = user.data.roles[projectId];
      if (!roles || roles.length === 0) throw unauthorized(`User ${user.id} has no access to project ${projectId}`);
    }
  }
  pruneExpired(cloud, now);
  const id = `gAAAAAB${engine.ids.alnum('openstack:token', 176)}`;
  const record = cloud.collection<TokenData>(OS.token).insert({
    id,
    data: { userId, projectId, methods: method === 'token' ? ['token', 'password'] : [method], roles: roles ?? [], issuedAt: now, expiresAt, auditId: engine.ids.alnum('openstack:audit', 22), appCredId, trustId },
  });
  return { id, record };
}

/** Tokens long expired are dropped on the next issue (a token storm must not grow the store forever). */
function pruneExpired(cloud: TenantStore, now: number): void {
  const tokens = cloud.collection<TokenData>(OS.token);
  if (tokens.size < 1000) return;
  for (const t of [...tokens.all()]) if (t.data.expiresAt < now) tokens.delete(t.id);
}

/** The `{"token": …}` body Keystone answers with. */
export function tokenBody(cloud: TenantStore, token: ResourceRecord<TokenData>, origin: string, withCatalog: boolean): unknown {
  const t = token.data;
  const user = cloud.collection<UserData>(OS.user).peek(t.userId);
  const project = t.projectId ? cloud.collection<ProjectData>(OS.project).peek(t.projectId) : undefined;
  const body: Record<string, unknown> = {
    methods: t.methods,
    user: { domain: { id: user?.data.domainId ?? 'default', name: domainName(user?.data.domainId ?? 'default') }, id: t.userId, name: user?.data.name ?? t.userId, password_expires_at: null },
    audit_ids: [t.auditId],
    expires_at: isoMicroZ(t.expiresAt),
    issued_at: isoMicroZ(t.issuedAt),
  };
  if (project) {
    body['project'] = { domain: { id: project.data.domainId, name: domainName(project.data.domainId) }, id: project.id, name: project.data.name };
    body['is_domain'] = false;
    body['roles'] = t.roles.map((name) => ({ id: stableId('role', name), name }));
    if (withCatalog) body['catalog'] = catalog(origin, cloud, project.id);
  }
  if (t.trustId) {
    const trust = cloud.collection<TrustData>(OS.trust).peek(t.trustId);
    body['OS-TRUST:trust'] = { id: t.trustId, impersonation: trust?.data.impersonation ?? false, trustee_user: { id: trust?.data.trusteeId }, trustor_user: { id: trust?.data.trustorId } };
  }
  if (t.appCredId) {
    const ac = cloud.collection<AppCredData>(OS.appCred).peek(t.appCredId);
    body['application_credential'] = { id: t.appCredId, name: ac?.data.name ?? t.appCredId, restricted: true };
  }
  return { token: body };
}
