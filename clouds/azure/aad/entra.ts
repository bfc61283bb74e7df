/**
 * Entra ID (Azure AD) as MSAL and azidentity use it: OpenID configuration per tenant (v2, v1 and
 * ADFS), MSAL's instance discovery (`/common/discovery/instance`), the v2 and v1 token endpoints
 * for client credentials (secret, or a client assertion: certificate or workload-identity JWT)
 * and the JWKS. Credentials are not checked against a directory (there is none); the form of
 * the request is, with AAD's error shape (`error`, `error_description` with its AADSTS code).
 * Access tokens are JWTs with the claims callers read (aud, tid, appid/azp, oid); their
 * signatures are not verifiable, but every token issued is remembered (auth.ts) for strict mode.
 */
import type { WireRequest } from '../../../core/cloud-api.js';
import type { Engine } from '../../../core/engine.js';
import { CloudError } from '../../../core/errors.js';
import { registerAzureToken } from '../auth.js';
import { DEFAULT_TENANT_ID } from '../records.js';

export type AadOperation = 'OpenIdConfiguration' | 'InstanceDiscovery' | 'Token' | 'TokenV1' | 'Keys';

const TENANT = '[A-Za-z0-9][A-Za-z0-9.-]{0,99}';
const ROUTES: ReadonlyArray<[RegExp, AadOperation, string]> = [
  [new RegExp(`^/(${TENANT})/v2\\.0/\\.well-known/openid-configuration$`), 'OpenIdConfiguration', 'GET'],
  [new RegExp(`^/(${TENANT})/\\.well-known/openid-configuration$`), 'OpenIdConfiguration', 'GET'],
  [/^\/common\/discovery\/instance$/, 'InstanceDiscovery', 'GET'],
  [new RegExp(`^/(${TENANT})/oauth2/v2\\.0/token/?$`), 'Token', 'POST'],
  [new RegExp(`^/(${TENANT})/oauth2/token/?$`), 'TokenV1', 'POST'],
  [new RegExp(`^/(${TENANT})/discovery/(v2\\.0/)?keys$`), 'Keys', 'GET'],
];

export function identifyAad(req: WireRequest): { operation: AadOperation; tenant: string; v2: boolean } | undefined {
  for (const [re, operation] of ROUTES) {
    const m = re.exec(req.path);
    if (m) return { operation, tenant: m[1] ?? 'common', v2: req.path.includes('/v2.0/') };
  }
  return undefined;
}

export const aadError = (status: number, error: string, code: number, description: string): CloudError =>
  new CloudError(error, status, `AADSTS${code}: ${description}`, { aad: true, aadCode: code });

function origin(req: WireRequest): string {
  const host = req.headers.host ?? '127.0.0.1';
  return `${req.secure ? 'https' : 'http'}://${Array.isArray(host) ? host[0] : host}`;
}

const tenantIdOf = (tenant: string): string => (/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(tenant) ? tenant.toLowerCase() : DEFAULT_TENANT_ID);

export function openIdConfiguration(req: WireRequest, tenant: string, v2: boolean): Record<string, unknown> {
  const base = origin(req);
  if (tenant.toLowerCase() === 'adfs') {
    return {
      issuer: `${base}/adfs`,
      authorization_endpoint: `${base}/adfs/oauth2/authorize/`,
      token_endpoint: `${base}/adfs/oauth2/token/`,
      jwks_uri: `${base}/adfs/discovery/keys`,
      response_types_supported: ['code', 'id_token', 'code id_token', 'token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'private_key_jwt'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      access_token_issuer: `${base}/adfs/services/trust`,
    };
  }
  const tid = tenantIdOf(tenant);
  const seg = v2 ? '/v2.0' : '';
  return {
    token_endpoint: `${base}/${tenant}/oauth2${seg}/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/${tenant}/discovery${seg}/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: v2 ? `${base}/${tid}/v2.0` : `${base}/${tid}/`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${base}/oidc/userinfo`,
    authorization_endpoint: `${base}/${tenant}/oauth2${seg}/authorize`,
    device_authorization_endpoint: `${base}/${tenant}/oauth2${seg}/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${tenant}/oauth2${seg}/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

/** MSAL's instance discovery: the authority the caller names is its own, under its host. */
export function instanceDiscovery(req: WireRequest): Record<string, unknown> {
  const endpoint = req.query.get('authorization_endpoint') ?? '';
  let host: string;
  let tenant = 'common';
  try {
    const u = new URL(endpoint);
    host = u.host;
    tenant = u.pathname.split('/').filter(Boolean)[0] ?? 'common';
  } catch {
    throw aadError(400, 'invalid_instance', 50049, "Unknown or invalid instance. The 'authorization_endpoint' parameter is not a URL.");
  }
  return {
    tenant_discovery_endpoint: `https://${host}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}

function b64(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

/** An AAD-shaped access token (a JWT whose signature nothing can verify). */
export function accessToken(engine: Engine, claims: { aud: string; tid: string; appid: string; oid?: string; iss?: string; lifetime: number }): string {
  const now = Math.floor(engine.clock.now() / 1000);
  const header = { typ: 'JWT', alg: 'RS256', kid: 'fauxcloud' };
  const payload = {
    aud: claims.aud, iss: claims.iss ?? `https://sts.windows.net/${claims.tid}/`, iat: now, nbf: now, exp: now + claims.lifetime,
    aio: engine.ids.alnum('azure:token', 24), appid: claims.appid, appidacr: '1', azp: claims.appid, idp: `https://sts.windows.net/${claims.tid}/`,
    oid: claims.oid ?? engine.ids.uuid('azure:oid'), rh: '0.fauxcloud.', sub: claims.oid ?? claims.appid, tid: claims.tid, uti: engine.ids.alnum('azure:token', 22), ver: '1.0',
  };
  const token = `${b64(header)}.${b64(payload)}.${engine.ids.alnum('azure:token', 86)}`;
  // Remembered so strict mode's Resource Manager accepts it until it expires on the virtual clock.
  registerAzureToken(engine, token, payload.exp, { aud: claims.aud, tid: claims.tid, appid: claims.appid, oid: payload.oid });
  return token;
}

function decodeJwt(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const v = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `scope=https://management.azure.com//.default openid …` → the audience. */
function audienceOf(form: URLSearchParams): string {
  const resource = form.get('resource');
  if (resource) return resource;
  const scopes = (form.get('scope') ?? '').split(/\s+/).filter((s) => s && !['openid', 'profile', 'offline_access', 'email'].includes(s));
  const scope = scopes[0];
  if (!scope) throw aadError(400, 'invalid_scope', 1002012, 'The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).');
  if (!scope.endsWith('/.default'))
    throw aadError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  return scope.slice(0, -'/.default'.length);
}

/** Client credentials, v2 (`scope`) or v1 (`resource`). */
export function clientCredentials(engine: Engine, req: WireRequest, tenant: string, v2: boolean): Record<string, unknown> {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('application/x-www-form-urlencoded'))
    throw aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  const form = new URLSearchParams(req.body.toString('utf8'));
  const grant = form.get('grant_type');
  if (!grant) throw aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  if (grant !== 'client_credentials') throw aadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
  let clientId = form.get('client_id') ?? '';
  const basic = String(req.headers.authorization ?? '');
  let secret = form.get('client_secret');
  if (basic.startsWith('Basic ')) {
    const [u, p] = Buffer.from(basic.slice(6), 'base64').toString('utf8').split(':');
    clientId ||= decodeURIComponent(u ?? '');
    secret ??= decodeURIComponent(p ?? '');
  }
  if (!clientId) throw aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  const assertion = form.get('client_assertion');
  if (assertion !== null) {
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      throw aadError(400, 'invalid_request', 90058, "The request body must contain the following parameter: 'client_assertion_type'.");
    if (!decodeJwt(assertion)) throw aadError(401, 'invalid_client', 50027, 'JWT token is invalid or malformed.');
  } else if (!secret) throw aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  const aud = audienceOf(form);
  const tid = tenantIdOf(tenant);
  const lifetime = 3599;
  const token = accessToken(engine, { aud, tid, appid: clientId, lifetime });
  if (v2) return { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token };
  const now = Math.floor(engine.clock.now() / 1000);
  return { token_type: 'Bearer', expires_in: String(lifetime), ext_expires_in: String(lifetime), expires_on: String(now + lifetime), not_before: String(now), resource: aud, access_token: token };
}

export function jwks(): Record<string, unknown> {
  return { keys: [] };
}
