/**
 * KMS DescribeKey, for the key behind encrypted EBS volumes: the account's default `aws/ebs` key
 * in each region (by alias, id or ARN), and keys a volume was created with. Other keys are unknown.
 */
import type { DescribeKeyRequest, DescribeKeyResponse, KeyMetadata } from '@aws-sdk/client-kms';
import { CloudError } from '../../../core/errors.js';
import { T, type VolumeData } from '../ec2/records.js';
import type { AwsService } from '../serve.js';
import { op, type AwsContext } from '../shared/context.js';
import { defaultEbsKeyId, kmsKeyArn } from '../shared/keys.js';

function metadata(ctx: AwsContext, keyId: string, managed: boolean): KeyMetadata {
  return {
    AWSAccountId: ctx.account,
    KeyId: keyId,
    Arn: kmsKeyArn(ctx.account, ctx.region, keyId),
    CreationDate: new Date(Date.UTC(2020, 0, 1)),
    Enabled: true,
    Description: managed ? 'Default key that protects my EBS volumes when no other key is defined' : '',
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: 'Enabled',
    Origin: 'AWS_KMS',
    KeyManager: managed ? 'AWS' : 'CUSTOMER',
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
  };
}

function describeKey(input: DescribeKeyRequest, ctx: AwsContext): DescribeKeyResponse {
  const ref = input.KeyId;
  if (!ref) throw new CloudError('ValidationException', 400, "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");
  const managed = defaultEbsKeyId(ctx.engine, ctx.account, ctx.region);
  const managedArn = kmsKeyArn(ctx.account, ctx.region, managed);
  if (ref === 'alias/aws/ebs' || ref === `arn:aws:kms:${ctx.region}:${ctx.account}:alias/aws/ebs` || ref === managed || ref === managedArn)
    return { KeyMetadata: metadata(ctx, managed, true) };
  // Keys volumes in this region were created with exist as customer keys.
  const id = ref.startsWith('arn:') ? ref.split('/').pop()! : ref;
  for (const v of ctx.tenant.collection<VolumeData>(T.volume).all())
    if (v.region === ctx.region && v.data.kmsKeyId !== undefined && (v.data.kmsKeyId === ref || v.data.kmsKeyId.endsWith(`/${id}`))) return { KeyMetadata: metadata(ctx, id, false) };
  throw new CloudError('NotFoundException', 400, `Key '${ref.startsWith('arn:') ? ref : kmsKeyArn(ctx.account, ctx.region, ref)}' does not exist`);
}

export const kmsService: AwsService = {
  name: 'kms',
  protocol: 'json',
  modelPackage: '@aws-sdk/client-kms',
  jsonVersion: '1.1',
  operations: { DescribeKey: op(describeKey) },
};
