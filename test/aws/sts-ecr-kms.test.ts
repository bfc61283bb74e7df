/** STS, ECR, ECR Public and KMS as the credential provider, the CCM and the EBS driver call them. */
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { ECRPUBLICClient, GetAuthorizationTokenCommand as GetPublicTokenCommand } from '@aws-sdk/client-ecr-public';
import { CreateVolumeCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
useFauxcloud((s) => {
  server = s;
});

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const base: Creds = { accessKeyId: 'AKIDFAUXCLOUDTEST', secretAccessKey: 'x' };
const opts = (region = 'us-east-1', credentials: Creds = base) => ({ endpoint: server.httpUrl, region, credentials, maxAttempts: 1 });
const jwt = (claims: object) => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('STS', () => {
  it('assumes a role; calls made with the issued keys land in the role’s account', async () => {
    const sts = new STSClient(opts());
    const res = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::444455556666:role/ccm', RoleSessionName: 'cloud-provider-aws', DurationSeconds: 900, Tags: [{ Key: 'team', Value: 'k8s' }] }));
    expect(res.Credentials!.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(res.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(890_000);
    expect(res.AssumedRoleUser!.Arn).toBe('arn:aws:sts::444455556666:assumed-role/ccm/cloud-provider-aws');

    const c = res.Credentials!;
    const asRole: Creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
    expect(await new STSClient(opts('us-east-1', asRole)).send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: '444455556666', Arn: res.AssumedRoleUser!.Arn });
    const ec2 = new EC2Client(opts('us-east-1', asRole));
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
    // The default account does not see it.
    await expect(new EC2Client(opts()).send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
    expect((await admin(server).get<{ entries: Array<{ tenant: string }> }>('/journal?operation=CreateVolume&limit=1')).body.entries[0]!.tenant).toBe('444455556666');
  });

  it('assumes a role with a web identity token, unsigned', async () => {
    const sts = new STSClient({ endpoint: server.httpUrl, region: 'us-east-1', maxAttempts: 1, credentials: async () => ({ accessKeyId: '', secretAccessKey: '' }) });
    const token = jwt({ sub: 'system:serviceaccount:kube-system:ecr', iss: 'https://oidc.example.test/id/1', aud: 'sts.amazonaws.com', exp: Math.floor(Date.now() / 1000) + 3600 });
    const res = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::777788889999:role/ecr-pull', RoleSessionName: 'ecr-credential-provider', WebIdentityToken: token }));
    expect(res).toMatchObject({ SubjectFromWebIdentityToken: 'system:serviceaccount:kube-system:ecr', Provider: 'oidc.example.test/id/1', Audience: 'sts.amazonaws.com' });
    expect(res.AssumedRoleUser!.Arn).toBe('arn:aws:sts::777788889999:assumed-role/ecr-pull/ecr-credential-provider');
    await expect(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::777788889999:role/x', RoleSessionName: 'a1', WebIdentityToken: 'not-a-jwt' }))).rejects.toMatchObject({
      name: 'InvalidIdentityTokenException',
    });
  });

  it('validates role ARNs, session names and durations', async () => {
    const sts = new STSClient(opts());
    for (const bad of [
      { RoleArn: 'arn:aws:iam::1:role/x', RoleSessionName: 'ok-name' },
      { RoleArn: 'arn:aws:iam::444455556666:role/x', RoleSessionName: 'a' },
      { RoleArn: 'arn:aws:iam::444455556666:role/x', RoleSessionName: 'ok-name', DurationSeconds: 60 },
    ])
      await expect(sts.send(new AssumeRoleCommand(bad))).rejects.toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
  });
});

describe('ECR', () => {
  it('issues a 12-hour docker login token for the caller’s registry', async () => {
    const ecr = new ECRClient(opts('us-west-2', { accessKeyId: '111122223333', secretAccessKey: 'x' }));
    const res = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = res.authorizationData![0]!;
    const [user, password] = Buffer.from(data.authorizationToken!, 'base64').toString('utf8').split(/:(.*)/s);
    expect(user).toBe('AWS');
    expect(password!.length).toBeGreaterThan(500);
    expect(data.proxyEndpoint).toBe('https://111122223333.dkr.ecr.us-west-2.amazonaws.com');
    expect(data.expiresAt!.getTime() - Date.now()).toBeGreaterThan(11.9 * 3600_000);
    await expect(ecr.send(new GetAuthorizationTokenCommand({ registryIds: ['nope'] }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('issues an ECR Public token as one object', async () => {
    const res = await new ECRPUBLICClient(opts()).send(new GetPublicTokenCommand({}));
    expect(Buffer.from(res.authorizationData!.authorizationToken!, 'base64').toString('utf8')).toMatch(/^AWS:.{500,}/s);
    expect(res.authorizationData!.expiresAt).toBeInstanceOf(Date);
  });

  it('answers an operation it does not emulate in the JSON protocol’s shape', async () => {
    const res = await fetch(server.httpUrl, { method: 'POST', headers: { 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeUnicorns', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

describe('KMS', () => {
  it('describes the default aws/ebs key, which encrypted volumes use', async () => {
    const kms = new KMSClient(opts());
    const byAlias = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }));
    expect(byAlias.KeyMetadata).toMatchObject({ AWSAccountId: '000000000000', KeyManager: 'AWS', KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT' });
    const ec2 = new EC2Client(opts());
    const a = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1, Encrypted: true }));
    const b = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1b', Size: 1, Encrypted: true }));
    expect(a.KmsKeyId).toBe(byAlias.KeyMetadata!.Arn);
    expect(b.KmsKeyId).toBe(a.KmsKeyId);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: a.KmsKeyId }))).KeyMetadata!.KeyId).toBe(byAlias.KeyMetadata!.KeyId);
    await expect(kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' }))).rejects.toMatchObject({ name: 'NotFoundException' });
  });
});
