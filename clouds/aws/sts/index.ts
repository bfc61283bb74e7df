/**
 * STS: AssumeRole, AssumeRoleWithWebIdentity (unsigned) and GetCallerIdentity. fauxcloud has no
 * IAM, so any well-formed role ARN can be assumed (as in moto); the keys it issues belong to the
 * role's account, so calls made with them land in that tenant.
 */
import type {
  AssumeRoleRequest,
  AssumeRoleResponse,
  AssumeRoleWithWebIdentityRequest,
  AssumeRoleWithWebIdentityResponse,
  Credentials,
  GetCallerIdentityResponse,
} from '@aws-sdk/client-sts';
import { CloudError } from '../../../core/errors.js';
import type { AwsService } from '../serve.js';
import { op, type AwsContext } from '../shared/context.js';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function validation(field: string, message: string): CloudError {
  return new CloudError('ValidationError', 400, `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${message}`);
}

interface Session {
  credentials: Credentials;
  roleArn: string;
  assumedRoleId: string;
  assumedArn: string;
  account: string;
}

function issue(ctx: AwsContext, roleArn: string | undefined, sessionName: string | undefined, duration: number | undefined): Session {
  if (!roleArn) throw validation('roleArn', 'Member must not be null');
  const m = ROLE_ARN.exec(roleArn);
  if (!m) throw validation('roleArn', 'Member must satisfy the pattern of an IAM role ARN');
  if (!sessionName || !SESSION_NAME.test(sessionName)) throw validation('roleSessionName', 'Member must have length between 2 and 64 and match [\\w+=,.@-]*');
  const seconds = duration ?? 3600;
  if (seconds < 900 || seconds > 43200) throw validation('durationSeconds', 'Member must have value between 900 and 43200');
  const [, account, roleName] = m as unknown as [string, string, string];
  const ids = ctx.engine.ids;
  const accessKeyId = `ASIA${ids.chars('aws:sts:key', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
  const assumedRoleId = `AROA${ids.chars('aws:sts:role', 17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}:${sessionName}`;
  const assumedArn = `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
  const secretAccessKey = ids.chars('aws:sts:secret', 40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
  const sessionToken = `FwoGZXIvYXdzE${ids.alnum('aws:sts:token', 300)}`;
  const expiresAt = ctx.engine.clock.now() + seconds * 1000;
  // Kept in core's credential registry: the key maps to the role's account, verifies in strict
  // mode with its secret and session token, expires on the virtual clock, survives a restart.
  ctx.engine.auth.issue('aws', accessKeyId, expiresAt, { account, arn: assumedArn, roleId: assumedRoleId }, { secretAccessKey, sessionToken });
  return {
    credentials: { AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey, SessionToken: sessionToken, Expiration: new Date(expiresAt) },
    roleArn,
    assumedRoleId,
    assumedArn,
    account,
  };
}

function assumeRole(input: AssumeRoleRequest, ctx: AwsContext): AssumeRoleResponse {
  const s = issue(ctx, input.RoleArn, input.RoleSessionName, input.DurationSeconds);
  return { Credentials: s.credentials, AssumedRoleUser: { AssumedRoleId: s.assumedRoleId, Arn: s.assumedArn }, PackedPolicySize: 0, SourceIdentity: input.SourceIdentity };
}

/** The claims of a JWT, without checking its signature (no OIDC provider to check it against). */
function claims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new CloudError('InvalidIdentityToken', 400, 'The ID Token provided is not a valid JWT.');
  try {
    return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new CloudError('InvalidIdentityToken', 400, 'The ID Token provided is not a valid JWT.');
  }
}

function assumeRoleWithWebIdentity(input: AssumeRoleWithWebIdentityRequest, ctx: AwsContext): AssumeRoleWithWebIdentityResponse {
  if (!input.WebIdentityToken) throw validation('webIdentityToken', 'Member must not be null');
  const c = claims(input.WebIdentityToken);
  if (typeof c['exp'] === 'number' && c['exp'] * 1000 < ctx.engine.clock.now()) throw new CloudError('ExpiredTokenException', 400, 'Token expired');
  const s = issue(ctx, input.RoleArn, input.RoleSessionName, input.DurationSeconds);
  const aud = Array.isArray(c['aud']) ? String(c['aud'][0]) : c['aud'] === undefined ? 'sts.amazonaws.com' : String(c['aud']);
  return {
    Credentials: s.credentials,
    SubjectFromWebIdentityToken: typeof c['sub'] === 'string' ? c['sub'] : 'unknown',
    AssumedRoleUser: { AssumedRoleId: s.assumedRoleId, Arn: s.assumedArn },
    PackedPolicySize: 0,
    Provider: typeof c['iss'] === 'string' ? c['iss'].replace(/^https:\/\//, '') : 'unknown',
    Audience: aud,
  };
}

function getCallerIdentity(_input: object, ctx: AwsContext): GetCallerIdentityResponse {
  const p = ctx.accounts.principal(ctx.accessKeyId);
  if (p.assumedRoleArn) return { Account: p.account, Arn: p.assumedRoleArn, UserId: p.assumedRoleId };
  return { Account: p.account, Arn: `arn:aws:iam::${p.account}:user/fauxcloud`, UserId: `AIDA${(ctx.accessKeyId ?? 'FAUXCLOUD').replace(/[^A-Z0-9]/g, '').slice(0, 17).padEnd(17, 'X')}` };
}

export const stsService: AwsService = {
  name: 'sts',
  protocol: 'query',
  modelPackage: '@aws-sdk/client-sts',
  xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
  operations: {
    AssumeRole: op(assumeRole),
    AssumeRoleWithWebIdentity: op(assumeRoleWithWebIdentity),
    GetCallerIdentity: op(getCallerIdentity),
  },
};
