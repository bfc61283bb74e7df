/**
 * Strict auth for Azure Resource Manager: a call must carry `Authorization: Bearer <token>` with an
 * Entra ID access token fauxcloud issued (its v1/v2 token endpoints or managed identity) that has
 * not expired on the virtual clock and was obtained for Resource Manager, or one the scenario
 * declares (`auth.azure.tokens`). Otherwise ARM's own 401: `AuthenticationFailed` (no header),
 * `InvalidAuthenticationToken`, `ExpiredAuthenticationToken` or
 * `InvalidAuthenticationTokenAudience`, each with the `WWW-Authenticate: Bearer
 * authorization_uri=…, error="invalid_token", error_description=…` challenge ARM sends.
 */
import { Type, type Static } from '@sinclair/typebox';
import { bearerToken } from '../../core/auth.js';
import type { WireRequest } from '../../core/cloud-api.js';
import type { Engine } from '../../core/engine.js';
import { CloudError } from '../../core/errors.js';

/** The registry namespace of Entra ID access tokens fauxcloud issued. */
const TOKENS = 'azure';

export const AzureAuthSchema = Type.Object(
  { tokens: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'bearer tokens Resource Manager accepts in strict mode besides the ones fauxcloud issues' })) },
  { additionalProperties: false },
);
type AzureAuthSection = Static<typeof AzureAuthSchema>;

/** The audiences ARM accepts (its own error message lists them). */
const ARM_AUDIENCES = ['https://management.core.windows.net/', 'https://management.core.windows.net', 'https://management.azure.com/', 'https://management.azure.com'];

/** Remember an access token fauxcloud handed out, so strict mode accepts it until it expires. */
export function registerAzureToken(engine: Engine, token: string, expiresAtSeconds: number, principal: { aud: string; tid: string; appid: string; oid?: string }): void {
  engine.auth.issue(TOKENS, token, expiresAtSeconds * 1000, { ...principal, ...(principal.oid === undefined ? { oid: '' } : {}) });
}

function challenge(description: string): string {
  return `Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="${description}"`;
}

const unauthorized = (code: string, message: string, description: string): CloudError => new CloudError(code, 401, message, { wwwAuthenticate: challenge(description) });

/** `11/25/2026 5:12:47 PM`, the way ARM prints times in its expiry message. */
function armTime(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** The request's own origin: arm-network asks for a token scoped to its endpoint (`<endpoint>/.default`). */
function ownOrigins(req: WireRequest): string[] {
  const host = req.headers['x-forwarded-host'] ?? req.headers.host;
  const h = Array.isArray(host) ? host[0] : host;
  if (!h) return [];
  return [`https://${h}`, `https://${h}/`, `http://${h}`, `http://${h}/`];
}

/** Throws ARM's 401 unless the request carries a token fauxcloud accepts. */
export function verifyArmRequest(engine: Engine, req: WireRequest): void {
  const header = req.headers.authorization;
  if (header === undefined || header === '')
    throw unauthorized('AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", "The authentication failed because of missing 'Authorization' header.");
  const token = bearerToken(header);
  if (token === undefined)
    throw unauthorized('AuthenticationFailed', "Authentication failed. The 'Authorization' header is provided in an invalid format.", "The authentication failed because of invalid 'Authorization' header format.");
  const declared = (engine.scenario?.auth?.clouds['azure'] as AzureAuthSection | undefined)?.tokens ?? [];
  if (declared.includes(token)) return;
  const verdict = engine.auth.verify(TOKENS, token);
  if (!verdict.ok && verdict.reason === 'expired') {
    const expiredAt = verdict.credential.expiresAt ?? 0;
    throw unauthorized('ExpiredAuthenticationToken', `The access token expiry UTC time '${armTime(expiredAt)}' is earlier than current UTC time '${armTime(engine.clock.now())}'.`, 'The access token has expired.');
  }
  if (!verdict.ok) throw unauthorized('InvalidAuthenticationToken', 'The access token is invalid.', 'The access token is invalid.');
  const aud = verdict.credential.principal['aud'] ?? '';
  if (!ARM_AUDIENCES.includes(aud) && !ownOrigins(req).includes(aud))
    throw unauthorized(
      'InvalidAuthenticationTokenAudience',
      `The access token has been obtained for wrong audience or resource '${aud}'. It should exactly match with one of the allowed audiences ${ARM_AUDIENCES.map((a) => `'${a}'`).join(',')}.`,
      'The access token has been obtained for wrong audience or resource.',
    );
}

/** An Entra ID token fauxcloud issued (or the scenario declares), not expired: ACR's token exchange. */
export function isAcceptedAzureToken(engine: Engine, token: string): boolean {
  const declared = (engine.scenario?.auth?.clouds['azure'] as AzureAuthSection | undefined)?.tokens ?? [];
  return declared.includes(token) || engine.auth.verify(TOKENS, token).ok;
}
