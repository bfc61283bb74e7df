/**
 * Strict auth for AWS (`--auth strict`): every signed API call must carry a SigV4 signature that
 * verifies with a secret fauxcloud knows: the scenario's `auth.aws.keys`, or keys STS issued (kept
 * in core's credential registry with their session token and expiry on the virtual clock).
 * Failures answer as each protocol does on AWS: EC2 `AuthFailure` 401 / `RequestExpired` 400;
 * awsQuery (STS, ELB) `InvalidClientTokenId` / `SignatureDoesNotMatch` / `ExpiredToken` 403;
 * awsJson (ECR, KMS) `UnrecognizedClientException` / `InvalidSignatureException` /
 * `ExpiredTokenException` 400. A signature made more than 15 minutes from now (or a presigned one
 * past its X-Amz-Expires) is refused as AWS does: EC2 `RequestExpired` 400, awsQuery
 * `SignatureDoesNotMatch` 403 and awsJson `InvalidSignatureException` 400, "Signature expired: …".
 * That window is measured on the wall clock, not the virtual one: the SDK signs with the caller's
 * real clock, so a test that advances the virtual clock by hours (to expire a session) must not
 * make every signature stale; credential expiry runs on the virtual clock.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { WireRequest } from '../../../core/cloud-api.js';
import type { Engine } from '../../../core/engine.js';
import { CloudError } from '../../../core/errors.js';
import { parseSignature, signatureMatches, signatureTimeProblem } from './sigv4.js';

export const AwsAuthSchema = Type.Object(
  {
    keys: Type.Optional(
      Type.Array(
        Type.Object(
          {
            accessKeyId: Type.String({ minLength: 1, pattern: '^\\S+$' }),
            secretAccessKey: Type.String({ minLength: 1 }),
            account: Type.Optional(Type.String({ pattern: '^\\d{12}$', description: 'the account its calls land in (default 000000000000)' })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false, description: 'access keys whose SigV4 signatures verify in strict mode (STS-issued keys verify too)' },
);
export type AwsAuthSection = Static<typeof AwsAuthSchema>;

export type AuthProtocol = 'ec2' | 'query' | 'json';
type Failure = 'missing' | 'incomplete' | 'unknownKey' | 'badSignature' | 'expired' | 'skewed';

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const EXPIRED_TOKEN = 'The security token included in the request is expired';
const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const CODES: Record<AuthProtocol, Record<Failure, [string, number, string?]>> = {
  ec2: {
    missing: ['MissingAuthenticationToken', 401, 'Request is missing Authentication Token'],
    incomplete: ['IncompleteSignature', 400],
    unknownKey: ['AuthFailure', 401, 'AWS was not able to validate the provided access credentials'],
    badSignature: ['AuthFailure', 401, 'AWS was not able to validate the provided access credentials'],
    expired: ['RequestExpired', 400, 'Request has expired.'],
    skewed: ['RequestExpired', 400, 'Request has expired.'],
  },
  query: {
    missing: ['MissingAuthenticationToken', 403, 'Request is missing Authentication Token'],
    incomplete: ['IncompleteSignature', 400],
    unknownKey: ['InvalidClientTokenId', 403, INVALID_TOKEN],
    badSignature: ['SignatureDoesNotMatch', 403, BAD_SIGNATURE],
    expired: ['ExpiredToken', 403, EXPIRED_TOKEN],
    skewed: ['SignatureDoesNotMatch', 403],
  },
  json: {
    missing: ['MissingAuthenticationTokenException', 400, 'Missing Authentication Token'],
    incomplete: ['IncompleteSignatureException', 400],
    unknownKey: ['UnrecognizedClientException', 400, INVALID_TOKEN],
    badSignature: ['InvalidSignatureException', 400, BAD_SIGNATURE],
    expired: ['ExpiredTokenException', 400, EXPIRED_TOKEN],
    skewed: ['InvalidSignatureException', 400],
  },
};

function fail(protocol: AuthProtocol, failure: Failure, message?: string): CloudError {
  const [code, status, fixed] = CODES[protocol][failure];
  return new CloudError(code, status, fixed ?? message ?? 'Incomplete signature');
}

/** The scenario's declared keys (config, not state: they come back with the scenario). */
export function scenarioKeys(engine: Engine): NonNullable<AwsAuthSection['keys']> {
  const section = engine.scenario?.auth?.clouds['aws'] as AwsAuthSection | undefined;
  return section?.keys ?? [];
}

interface KnownKey {
  secret: string;
  sessionToken?: string;
  expiresAt?: number;
}

function lookup(engine: Engine, accessKeyId: string): KnownKey | undefined {
  const declared = scenarioKeys(engine).find((k) => k.accessKeyId === accessKeyId);
  if (declared) return { secret: declared.secretAccessKey };
  const issued = engine.auth.find('aws', accessKeyId);
  const secret = issued?.secrets?.['secretAccessKey'];
  return issued && secret !== undefined ? { secret, sessionToken: issued.secrets?.['sessionToken'], expiresAt: issued.expiresAt } : undefined;
}

/** Throws the protocol's error unless the request is signed with a key fauxcloud knows, correctly. */
export function verifyAwsRequest(engine: Engine, req: WireRequest, protocol: AuthProtocol): void {
  const parsed = parseSignature(req);
  if (parsed.kind === 'missing') throw fail(protocol, 'missing');
  if (parsed.kind === 'incomplete') throw fail(protocol, 'incomplete', parsed.message);
  const s = parsed.req;
  const key = lookup(engine, s.accessKeyId);
  if (!key) throw fail(protocol, 'unknownKey');
  // A session key is only valid with its own session token; a long-term key with none.
  if (key.sessionToken !== s.securityToken) throw fail(protocol, 'unknownKey');
  if (key.expiresAt !== undefined && key.expiresAt <= engine.clock.now()) throw fail(protocol, 'expired');
  if (!signatureMatches(req, s, key.secret)) throw fail(protocol, 'badSignature');
  const late = signatureTimeProblem(s, Date.now());
  if (late !== undefined) throw fail(protocol, 'skewed', late);
}
