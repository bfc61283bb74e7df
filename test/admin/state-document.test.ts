/**
 * The state document is complete: what one fauxcloud exports, another imports and exports again
 * unchanged, fault counters and issued credentials included; a document that cannot be imported
 * changes nothing; a version 1 document (before faults and credentials were in it) still imports.
 */
import { CreateVolumeCommand, DescribeAvailabilityZonesCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, startFauxcloud } from '../helpers/fauxcloud.js';

let a: RunningServer;
let b: RunningServer;
beforeAll(async () => {
  [a, b] = await Promise.all([startFauxcloud(), startFauxcloud({ seed: 'other' })]);
});
afterAll(async () => Promise.all([a?.close(), b?.close()]));

type Doc = Record<string, unknown> & { version: number; savedAt?: string; faults: { rules: unknown[]; counters: Record<string, { hits: number }> }; auth: { credentials: Array<{ cloud: string; secrets?: Record<string, string> }> } };
const withoutTime = ({ savedAt: _s, clock, ...rest }: Doc) => ({ ...rest, clock: { factor: (clock as { factor: number }).factor } });

describe('the state document', () => {
  it('moves a whole world from one fauxcloud to another, counters and credentials included', async () => {
    await admin(a).post('/faults', { name: 'twice', match: { operation: 'DescribeAvailabilityZones', times: 2 }, error: 'RequestLimitExceeded' });
    const ec2 = ec2Client(a);
    await expect(ec2.send(new DescribeAvailabilityZonesCommand({}))).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 3 }));
    const sts = new STSClient({ endpoint: a.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'AKIDX', secretAccessKey: 'x' }, maxAttempts: 1 });
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123412341234:role/r', RoleSessionName: 'moved' }))).Credentials!;
    await admin(a).put('/clock', { factor: 0 });

    const doc = (await admin(a).get<Doc>('/state')).body;
    expect(doc.version).toBe(2);
    expect(doc.faults.counters['twice']).toMatchObject({ hits: 1 });
    expect(doc.auth.credentials).toContainEqual(expect.objectContaining({ cloud: 'aws', token: c.AccessKeyId, secrets: { secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken } }));

    expect((await admin(b).put('/state', doc)).status).toBe(200);
    const again = (await admin(b).get<Doc>('/state')).body;
    expect(withoutTime(again)).toEqual(withoutTime(doc));
    // The session STS issued on a speaks for its role on b.
    const onB = new STSClient({ endpoint: b.httpUrl, region: 'us-east-1', credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }, maxAttempts: 1 });
    expect((await onB.send(new GetCallerIdentityCommand({}))).Account).toBe('123412341234');
    expect((await admin(b).get<Array<{ hits: number }>>('/faults')).body).toMatchObject([{ hits: 1 }]);
  });

  it('carries a manual step’s read count across', async () => {
    await admin(a).put('/lifecycle', { 'aws.ec2.volume': { creating: { manual: { afterReads: 2 } } } });
    const ec2 = ec2Client(a);
    const id = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 4 }))).VolumeId!;
    const state = async (client: typeof ec2) => (await client.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes![0]!.State;
    expect(await state(ec2)).toBe('creating'); // one of its two reads, on a
    expect((await admin(b).put('/state', (await admin(a).get('/state')).body)).status).toBe(200);
    const onB = ec2Client(b);
    expect(await state(onB)).toBe('creating'); // the second, on b
    expect(await state(onB)).toBe('available');
  });

  it('imports all or nothing', async () => {
    const before = (await admin(b).get<Doc>('/state')).body;
    const bad = { ...before, faults: { ...before.faults, rules: [{ name: 'two-effects', error: 'X', latency: { fixed: 5 } }] } };
    const res = await admin(b).put<{ error: string; message: string }>('/state', bad);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('exactly one effect');
    expect(withoutTime((await admin(b).get<Doc>('/state')).body)).toEqual(withoutTime(before));
  });

  it('still imports a version 1 document, leaving faults and credentials as they are', async () => {
    const { faults: _f, auth: _a, savedAt: _s, scenario: _sc, ...v2 } = (await admin(b).get<Doc>('/state')).body;
    expect((await admin(b).put('/state', { ...v2, version: 1 })).status).toBe(200);
    expect((await admin(b).get<Array<{ hits: number }>>('/faults')).body).toMatchObject([{ hits: 1 }]);
  });
});
