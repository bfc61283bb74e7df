/**
 * ECR and ECR Public GetAuthorizationToken, what the kubelet credential provider calls. The
 * token is base64 `AWS:<password>`, valid 12 hours, as ECR issues it; ECR Public answers one
 * object instead of a list.
 */
import type { GetAuthorizationTokenRequest, GetAuthorizationTokenResponse } from '@aws-sdk/client-ecr';
import type { GetAuthorizationTokenResponse as PublicTokenResponse } from '@aws-sdk/client-ecr-public';
import { CloudError } from '../../../core/errors.js';
import type { AwsService } from '../serve.js';
import { op, type AwsContext } from '../shared/context.js';

const VALIDITY_MS = 12 * 3600_000;

/** A password shaped like ECR's (a base64 JSON envelope), drawn from the seed. */
function password(ctx: AwsContext, registry: string): string {
  const ids = ctx.engine.ids;
  const envelope = {
    payload: ids.chars('aws:ecr:payload', 512, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
    datakey: ids.chars('aws:ecr:datakey', 256, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
    version: '2',
    type: 'DATA_KEY',
    expiration: Math.floor((ctx.engine.clock.now() + VALIDITY_MS) / 1000),
    registry,
  };
  return Buffer.from(JSON.stringify(envelope)).toString('base64');
}

const token = (ctx: AwsContext, registry: string) => Buffer.from(`AWS:${password(ctx, registry)}`).toString('base64');

function getAuthorizationToken(input: GetAuthorizationTokenRequest, ctx: AwsContext): GetAuthorizationTokenResponse {
  const registries = input.registryIds?.length ? input.registryIds : [ctx.account];
  for (const r of registries)
    if (!/^\d{12}$/.test(r)) throw new CloudError('InvalidParameterException', 400, `Invalid parameter at 'registryIds' failed to satisfy constraint: 'must satisfy regular expression pattern: [0-9]{12}'`);
  const expiresAt = new Date(ctx.engine.clock.now() + VALIDITY_MS);
  return {
    authorizationData: registries.map((r) => ({
      authorizationToken: token(ctx, `${r}.dkr.ecr.${ctx.region}.amazonaws.com`),
      expiresAt,
      proxyEndpoint: `https://${r}.dkr.ecr.${ctx.region}.amazonaws.com`,
    })),
  };
}

function getPublicAuthorizationToken(_input: object, ctx: AwsContext): PublicTokenResponse {
  return { authorizationData: { authorizationToken: token(ctx, 'public.ecr.aws'), expiresAt: new Date(ctx.engine.clock.now() + VALIDITY_MS) } };
}

export const ecrService: AwsService = {
  name: 'ecr',
  protocol: 'json',
  modelPackage: '@aws-sdk/client-ecr',
  jsonVersion: '1.1',
  operations: { GetAuthorizationToken: op(getAuthorizationToken) },
};

export const ecrPublicService: AwsService = {
  name: 'ecr-public',
  protocol: 'json',
  modelPackage: '@aws-sdk/client-ecr-public',
  jsonVersion: '1.1',
  operations: { GetAuthorizationToken: op(getPublicAuthorizationToken) },
};
