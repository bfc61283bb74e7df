/**
 * Azure Container Registry's token service as kubelet's acr-credential-provider uses it:
 * `GET /v2/` answers 401 with one `Www-Authenticate: Bearer realm="https://{registry}/oauth2/token",
 * service="{registry}"`, and `POST /oauth2/exchange` trades an Entra ID access token for an ACR
 * refresh token. A registry is named by the Host (`{name}.azurecr.io`, as through the HTTPS
 * proxy) or by the path form `/acr/{name}.azurecr.io/…` on fauxcloud's own host.
 */
import type { CallContext, RoutedCall, WireReply, WireRequest } from '../../core/cloud-api.js';
import type { Engine } from '../../core/engine.js';
import { CloudError } from '../../core/errors.js';
import { isAcceptedAzureToken } from './auth.js';

export interface AcrRouted extends RoutedCall {
  kind: 'acr';
  registry: string;
  /** Path inside the registry (`/v2/`, `/oauth2/exchange`). */
  sub: string;
  /** Prefix the path form adds, to build realm URLs that route back here. */
  prefix: string;
}

const REGISTRY = /^([a-z0-9]{5,50})\.azurecr\.(io|cn|de|us)$/i;

export function identifyAcr(req: WireRequest): AcrRouted | undefined {
  const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
  let registry: string | undefined;
  let sub = req.path;
  let prefix = '';
  if (REGISTRY.test(host)) registry = host.toLowerCase();
  else {
    const m = /^\/acr\/([^/]+)(\/.*)?$/.exec(req.path);
    if (!m || !REGISTRY.test(m[1]!)) return undefined;
    registry = m[1]!.toLowerCase();
    sub = m[2] ?? '/';
    prefix = `/acr/${registry}`;
  }
  const operation = sub === '/v2/' || sub === '/v2' ? 'GetV2' : sub === '/oauth2/exchange' ? 'ExchangeToken' : sub === '/oauth2/token' ? 'GetAccessToken' : 'Registry';
  return { kind: 'acr', service: 'acr', operation, registry, sub, prefix };
}

const acrError = (code: string, status: number, message: string): CloudError => new CloudError(code, status, message);

export async function serveAcr(engine: Engine, call: AcrRouted, req: WireRequest, ctx: CallContext): Promise<WireReply> {
  await ctx.gate();
  ctx.touch(call.registry);
  const host = String(req.headers.host ?? call.registry);
  const origin = `${req.secure ? 'https' : 'http'}://${host}${call.prefix}`;
  switch (call.operation) {
    case 'GetV2':
      return {
        status: 401,
        headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': `Bearer realm="${origin}/oauth2/token",service="${call.registry}"`, 'docker-distribution-api-version': 'registry/2.0' },
        body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required, visit https://aka.ms/acr/authorization for more information.', detail: null }] }),
        errorCode: 'UNAUTHORIZED',
      };
    case 'ExchangeToken': {
      if (req.method !== 'POST') throw acrError('UNSUPPORTED', 405, 'The operation is unsupported.');
      const form = new URLSearchParams(req.body.toString('utf8'));
      const grant = form.get('grant_type');
      if (grant !== 'access_token' && grant !== 'access_token_refresh_token') throw acrError('UNSUPPORTED', 400, `grant_type ${grant ?? ''} is not supported.`);
      if (form.get('service') !== call.registry) throw acrError('UNAUTHORIZED', 401, `service ${form.get('service') ?? ''} does not match the registry ${call.registry}.`);
      const token = form.get('access_token');
      if (!token || token.split('.').length !== 3) throw acrError('UNAUTHORIZED', 401, 'The access token is not a valid Entra ID token.');
      // Strict mode: only an Entra ID token fauxcloud issued, still valid on the virtual clock, is exchanged.
      if (engine.auth.strict && !isAcceptedAzureToken(engine, token)) throw acrError('UNAUTHORIZED', 401, 'The access token is not a valid Entra ID token.');
      return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'x-ms-correlation-request-id': ctx.requestId }, body: JSON.stringify({ refresh_token: refreshToken(engine, call.registry) }) };
    }
    case 'GetAccessToken':
      return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ access_token: refreshToken(engine, call.registry) }) };
    default:
      throw acrError('NAME_UNKNOWN', 404, 'repository name not known to registry');
  }
}

function refreshToken(engine: Engine, registry: string): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(engine.clock.now() / 1000);
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ jti: engine.ids.uuid('azure:acr'), sub: 'fauxcloud', nbf: now, exp: now + 10800, iat: now, iss: 'Azure Container Registry', aud: registry, version: '1.0', grant_type: 'refresh_token', tenant: '', permissions: { actions: ['read'] } })}.${engine.ids.alnum('azure:acr', 86)}`;
}
