/**
 * Strict auth with the AWS JS SDK's own signer and credential providers: the scenario's keys
 * verify, a wrong secret or an unknown key is refused with each protocol's own error, STS
 * sessions verify with their session token until they expire on the virtual clock, presigned
 * requests verify, unsigned ones are refused (but AssumeRoleWithWebIdentity, unsigned on AWS too).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromWebToken } from '@aws-sdk/credential-provider-web-identity';
import { DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, useFauxcloud } from '../helpers/fauxcloud.js';

const dir = mkdtempSync(join(tmpdir(), 'fauxcloud-auth-'));
const scenario = join(dir, 'strict.yaml');
writeFileSync(
  scenario,
  `name: strict-aws
extends: default
auth:
  aws:
    keys:
      - { accessKeyId: AKIDSTRICTDEFAULT, secretAccessKey: right-secret }
      - { accessKeyId: AKIDSTRICTOTHER, secretAccessKey: other-secret, account: "111122223333" }
`,
);

/** SHA-256 for the SDK's signer, from node:crypto. */
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | Uint8Array) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: string | Uint8Array): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

let server: RunningServer;
useFauxcloud((s) => (server = s), { scenario, auth: 'strict' });

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const good: Creds = { accessKeyId: 'AKIDSTRICTDEFAULT', secretAccessKey: 'right-secret' };
const wrongSecret: Creds = { ...good, secretAccessKey: 'wrong-secret' };
const unknownKey: Creds = { accessKeyId: 'AKIDNOBODYKNOWS', secretAccessKey: 'right-secret' };
const cfg = (credentials: Creds) => ({ endpoint: server.httpUrl, region: 'us-east-1', credentials, maxAttempts: 1 });
const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

async function refusal(call: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  const e = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'the call should have been refused').toBeInstanceOf(Error);
  return { name: (e as Error).name, status: status(e), message: (e as Error).message };
}

describe('strict auth: SigV4 verified against the scenario keys', () => {
  it('serves calls signed with a declared key, in the key’s account', async () => {
    expect((await new EC2Client(cfg(good)).send(new DescribeVolumesCommand({}))).Volumes).toBeDefined();
    expect(await new STSClient(cfg(good)).send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: '000000000000' });
    expect(await new STSClient(cfg({ accessKeyId: 'AKIDSTRICTOTHER', secretAccessKey: 'other-secret' })).send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: '111122223333' });
    expect((await new ECRClient(cfg(good)).send(new GetAuthorizationTokenCommand({}))).authorizationData).toHaveLength(1);
  });

  it('takes the key from the SDK’s environment credential provider', async () => {
    process.env['AWS_ACCESS_KEY_ID'] = good.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = good.secretAccessKey;
    try {
      const ec2 = new EC2Client({ endpoint: server.httpUrl, region: 'us-east-1', credentials: fromEnv(), maxAttempts: 1 });
      expect((await ec2.send(new DescribeVolumesCommand({}))).Volumes).toBeDefined();
    } finally {
      delete process.env['AWS_ACCESS_KEY_ID'];
      delete process.env['AWS_SECRET_ACCESS_KEY'];
    }
  });

  it('refuses a wrong secret with each protocol’s own error', async () => {
    expect(await refusal(new EC2Client(cfg(wrongSecret)).send(new DescribeVolumesCommand({})))).toMatchObject({ name: 'AuthFailure', status: 401 });
    expect(await refusal(new STSClient(cfg(wrongSecret)).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(await refusal(new KMSClient(cfg(wrongSecret)).send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' })))).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    expect(await refusal(new ECRClient(cfg(wrongSecret)).send(new GetAuthorizationTokenCommand({})))).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    const journal = await admin(server).get<{ entries: Array<{ errorCode?: string }> }>('/journal?operation=GetCallerIdentity&limit=1');
    expect(journal.body.entries[0]!.errorCode).toBe('SignatureDoesNotMatch');
  });

  it('refuses a key nobody issued', async () => {
    expect(await refusal(new EC2Client(cfg(unknownKey)).send(new DescribeVolumesCommand({})))).toMatchObject({ name: 'AuthFailure', status: 401 });
    expect(await refusal(new STSClient(cfg(unknownKey)).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
    expect(await refusal(new ECRClient(cfg(unknownKey)).send(new GetAuthorizationTokenCommand({})))).toMatchObject({ name: 'UnrecognizedClientException', status: 400 });
  });

  it('refuses unsigned and half-signed requests', async () => {
    const form = (auth?: string) =>
      fetch(`${server.httpUrl}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) },
        body: 'Action=GetCallerIdentity&Version=2011-06-15',
      });
    const unsigned = await form();
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    const half = await form('AWS4-HMAC-SHA256 Credential=AKIDSTRICTDEFAULT/20261202/us-east-1/sts/aws4_request, SignedHeaders=host');
    expect(half.status).toBe(400);
    expect(await half.text()).toContain('<Code>IncompleteSignature</Code>');
  });

  it('verifies presigned requests (the EKS-token style presigned GetCallerIdentity)', async () => {
    const url = new URL(server.httpUrl);
    const presign = (secret: string) =>
      new SignatureV4({ service: 'sts', region: 'us-east-1', sha256: Sha256, credentials: { ...good, secretAccessKey: secret } }).presign(
        { method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: url.host } },
        { expiresIn: 60 },
      );
    const asUrl = (r: { path: string; query?: Record<string, unknown> }) => `${server.httpUrl}${r.path}?${new URLSearchParams(r.query as Record<string, string>)}`;
    const ok = await fetch(asUrl(await presign('right-secret')));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<Account>000000000000</Account>');
    const bad = await fetch(asUrl(await presign('wrong-secret')));
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('strict auth: the 15-minute signature window (wall clock)', () => {
  const minutes = (n: number) => n * 60_000;

  it('refuses a signature 20 minutes old with each protocol’s error', async () => {
    const skewed = (c: Creds) => ({ ...cfg(c), systemClockOffset: -minutes(20) });
    const sts = await refusal(new STSClient(skewed(good)).send(new GetCallerIdentityCommand({})));
    expect(sts).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(sts.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    expect(await refusal(new EC2Client(skewed(good)).send(new DescribeVolumesCommand({})))).toMatchObject({ name: 'RequestExpired', status: 400 });
    expect(await refusal(new KMSClient(skewed(good)).send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' })))).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
  });

  it('refuses a signature from 20 minutes in the future, and accepts one 10 minutes off', async () => {
    const future = await refusal(new STSClient({ ...cfg(good), systemClockOffset: minutes(20) }).send(new GetCallerIdentityCommand({})));
    expect(future.message).toMatch(/^Signature not yet current: /);
    expect(await new STSClient({ ...cfg(good), systemClockOffset: -minutes(10) }).send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: '000000000000' });
  });

  it('keeps accepting signatures after the virtual clock moves on by hours', async () => {
    await admin(server).post('/clock/advance', { ms: 6 * 3_600_000 });
    expect(await new STSClient(cfg(good)).send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: '000000000000' });
  });

  it('refuses a presigned request past its X-Amz-Expires', async () => {
    const url = new URL(server.httpUrl);
    const presign = (signingDate: Date, expiresIn: number) =>
      new SignatureV4({ service: 'sts', region: 'us-east-1', sha256: Sha256, credentials: good }).presign(
        { method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: url.host } },
        { expiresIn, signingDate },
      );
    const asUrl = (r: { path: string; query?: Record<string, unknown> }) => `${server.httpUrl}${r.path}?${new URLSearchParams(r.query as Record<string, string>)}`;
    // Signed two minutes ago: valid for an hour, expired after sixty seconds.
    expect((await fetch(asUrl(await presign(new Date(Date.now() - minutes(2)), 3600)))).status).toBe(200);
    const late = await fetch(asUrl(await presign(new Date(Date.now() - minutes(2)), 60)));
    expect(late.status).toBe(403);
    const text = await late.text();
    expect(text).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(text).toMatch(/Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 60 sec\.\)/);
  });
});

describe('strict auth: payload hashes', () => {
  const signed = async (contentSha256: string | undefined, body = 'Action=GetCallerIdentity&Version=2011-06-15') => {
    const url = new URL(server.httpUrl);
    const headers: Record<string, string> = { host: url.host, 'content-type': 'application/x-www-form-urlencoded' };
    if (contentSha256 !== undefined) headers['x-amz-content-sha256'] = contentSha256;
    const req = await new SignatureV4({ service: 'sts', region: 'us-east-1', sha256: Sha256, credentials: good }).sign({
      method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers, body,
    });
    return fetch(`${server.httpUrl}/`, { method: 'POST', headers: req.headers, body });
  };

  it('verifies the body hash, an x-amz-content-sha256 claim, and UNSIGNED-PAYLOAD', async () => {
    expect((await signed(undefined)).status).toBe(200);
    expect((await signed('UNSIGNED-PAYLOAD')).status).toBe(200);
    const hash = createHash('sha256').update('Action=GetCallerIdentity&Version=2011-06-15').digest('hex');
    expect((await signed(hash)).status).toBe(200);
    // A claimed hash that is not the body's is refused, even though the signature covers the claim.
    const lie = await signed(createHash('sha256').update('something else').digest('hex'));
    expect(lie.status).toBe(403);
    expect(await lie.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('strict auth: sessions STS issued', () => {
  it('verifies an AssumeRole session with its token, and refuses it once expired on the virtual clock', async () => {
    const { Credentials: c } = await new STSClient(cfg(good)).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::444455556666:role/ccm', RoleSessionName: 'strict', DurationSeconds: 900 }));
    const session: Creds = { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
    expect(await new STSClient(cfg(session)).send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: '444455556666', Arn: 'arn:aws:sts::444455556666:assumed-role/ccm/strict' });
    expect((await new EC2Client(cfg(session)).send(new DescribeVolumesCommand({}))).Volumes).toBeDefined();

    // The key without its session token, or with another one, is not a valid credential.
    const { sessionToken: _dropped, ...noToken } = session;
    expect(await refusal(new STSClient(cfg(noToken)).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
    expect(await refusal(new STSClient(cfg({ ...session, sessionToken: 'forged' })).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId' });
    expect(await refusal(new STSClient(cfg({ ...session, secretAccessKey: 'guessed' })).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'SignatureDoesNotMatch' });

    await admin(server).post('/clock/advance', { ms: 901_000 });
    expect(await refusal(new STSClient(cfg(session)).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'ExpiredToken', status: 403 });
    expect(await refusal(new EC2Client(cfg(session)).send(new DescribeVolumesCommand({})))).toMatchObject({ name: 'RequestExpired', status: 400 });
    expect(await refusal(new ECRClient(cfg(session)).send(new GetAuthorizationTokenCommand({})))).toMatchObject({ name: 'ExpiredTokenException', status: 400 });
  });

  it('serves the web-identity flow (IRSA) through the SDK’s own credential provider', async () => {
    const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:kube-system:ebs-csi', aud: 'sts.amazonaws.com' })).toString('base64url')}.c2ln`;
    const credentials = fromWebToken({
      roleArn: 'arn:aws:iam::777788889999:role/ebs-csi',
      webIdentityToken: jwt,
      roleSessionName: 'irsa',
      clientConfig: { endpoint: server.httpUrl, region: 'us-east-1' },
    });
    const sts = new STSClient({ endpoint: server.httpUrl, region: 'us-east-1', credentials, maxAttempts: 1 });
    expect(await sts.send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: '777788889999', Arn: 'arn:aws:sts::777788889999:assumed-role/ebs-csi/irsa' });
  });
});
