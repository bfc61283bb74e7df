/**
 * The OAuth 2.0 token endpoint (`POST /token`) that a service-account JSON key's `token_uri`
 * may point at: a signed JWT assertion (or a refresh token) buys an access token. Signatures are
 * not checked (there is no key registry); the form of the request is. The tokens it issues are
 * remembered (auth.ts), so strict mode accepts them until they expire.
 */
import { CloudError } from '../../core/errors.js';
import type { Engine } from '../../core/engine.js';
import { issueAccessToken } from './auth.js';

export function issueOAuthToken(engine: Engine, form: URLSearchParams): { access_token: string; expires_in: number; token_type: string; id_token?: string } {
  const grant = form.get('grant_type');
  if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
    const assertion = form.get('assertion') ?? '';
    const parts = assertion.split('.');
    let claims: Record<string, unknown>;
    try {
      claims = parts.length === 3 ? (JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      claims = {};
    }
    if (typeof claims['iss'] !== 'string') throw new CloudError('invalid_grant', 400, 'Invalid JWT: the assertion is not a signed JWT with an iss claim.', { oauth: true });
    const token = issueAccessToken(engine, 'ya29.c.', { email: claims['iss'] });
    return typeof claims['target_audience'] === 'string' ? { ...token, id_token: assertion } : token;
  }
  if (grant === 'refresh_token') {
    if (!form.get('refresh_token')) throw new CloudError('invalid_request', 400, 'Missing required parameter: refresh_token', { oauth: true });
    return issueAccessToken(engine, 'ya29.a0', { grant: 'refresh_token' });
  }
  throw new CloudError('unsupported_grant_type', 400, `Invalid grant_type: ${grant ?? ''}`, { oauth: true });
}
