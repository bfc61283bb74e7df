/**
 * Strict auth for Google Cloud: an API call must carry a bearer token (header, or the
 * `access_token` parameter) that fauxcloud's token endpoint or metadata server issued and that has
 * not expired on the virtual clock, or one the scenario declares (`auth.gcp.tokens`). Otherwise
 * 401 with Google's envelope (`UNAUTHENTICATED`, reason `required` or `authError`) and the
 * `WWW-Authenticate: Bearer realm=…` header Google's front end sends.
 */
import { Type, type Static } from '@sinclair/typebox';
import { bearerToken } from '../../core/auth.js';
import type { WireRequest } from '../../core/cloud-api.js';
import type { Engine } from '../../core/engine.js';
import { CloudError } from '../../core/errors.js';

/** The registry namespace of access tokens fauxcloud issued. */
const TOKENS = 'gcp';
/** Google's access tokens live an hour; the answer says 3599 seconds. */
export const TOKEN_LIFETIME_S = 3599;

export const GcpAuthSchema = Type.Object(
  { tokens: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'bearer tokens accepted in strict mode besides the ones fauxcloud issues' })) },
  { additionalProperties: false },
);
type GcpAuthSection = Static<typeof GcpAuthSchema>;

/** Mint an access token and remember it, so strict mode accepts it until it expires. */
export function issueAccessToken(engine: Engine, prefix: string, principal: Record<string, string>): { access_token: string; expires_in: number; token_type: string } {
  const token = `${prefix}${engine.ids.alnum('gcp:token', 120)}`;
  engine.auth.issue(TOKENS, token, engine.clock.now() + TOKEN_LIFETIME_S * 1000, principal);
  return { access_token: token, expires_in: TOKEN_LIFETIME_S, token_type: 'Bearer' };
}

const SEE = 'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const REALM = 'Bearer realm="https://accounts.google.com/"';

/** Throws Google's 401 unless the request carries a token fauxcloud accepts. */
export function verifyGcpRequest(engine: Engine, req: WireRequest): void {
  const token = bearerToken(req.headers.authorization) ?? req.query.get('access_token') ?? undefined;
  if (token === undefined) {
    const message = `Request is missing required authentication credential. ${SEE}`;
    throw new CloudError('UNAUTHENTICATED', 401, message, { reason: 'required', itemMessage: message, location: 'Authorization', wwwAuthenticate: REALM });
  }
  const declared = (engine.scenario?.auth?.clouds['gcp'] as GcpAuthSection | undefined)?.tokens ?? [];
  if (declared.includes(token) || engine.auth.verify(TOKENS, token).ok) return;
  throw new CloudError('UNAUTHENTICATED', 401, `Request had invalid authentication credentials. ${SEE}`, {
    reason: 'authError',
    itemMessage: 'Invalid Credentials',
    location: 'Authorization',
    wwwAuthenticate: `${REALM}, error="invalid_token"`,
  });
}
