/** IMDS as the EBS node plugin and the CCM read it, through AWS's own JS IMDS client. */
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { AttachVolumeCommand, CreateVolumeCommand, DescribeInstancesCommand, RunInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
let ec2: EC2Client;
let nodes: Instance[];

useFauxcloud((s) => {
  server = s;
  ec2 = ec2Client(s);
});
beforeEach(async () => {
  nodes = (await ec2.send(new DescribeInstancesCommand({}))).Reservations!.flatMap((r) => r.Instances!);
});

const imdsAt = (endpoint: string) => new MetadataService({ endpoint, retries: 0 });

describe('IMDS', () => {
  it('serves the identity document and metadata of the default instance over IMDSv2', async () => {
    const imds = imdsAt(server.httpUrl);
    const doc = JSON.parse(await imds.request('/latest/dynamic/instance-identity/document', {})) as Record<string, unknown>;
    const first = nodes[0]!;
    expect(doc).toMatchObject({ accountId: '000000000000', region: 'us-east-1', availabilityZone: 'us-east-1a', instanceId: first.InstanceId, instanceType: 'm5.large', privateIp: first.PrivateIpAddress });
    expect(await imds.request('/latest/meta-data/instance-id', {})).toBe(first.InstanceId);
    expect(await imds.request('/latest/meta-data/placement/availability-zone-id', {})).toBe('use1-az1');
    const macs = await imds.request('/latest/meta-data/network/interfaces/macs/', {});
    expect(macs).toBe(`${first.NetworkInterfaces![0]!.MacAddress}/`);
    expect(await imds.request(`/latest/meta-data/network/interfaces/macs/${macs}local-ipv4s`, {})).toBe(first.PrivateIpAddress);
    await expect(imds.request('/latest/meta-data/outpost-arn', {})).rejects.toThrow();
    // The journal shows the token request and the token-carrying reads.
    const token = (await admin(server).get<{ count: number }>('/journal/count?service=imds&operation=GetToken')).body.count;
    expect(token).toBeGreaterThan(0);
  });

  it('echoes the token TTL, refuses bad TTLs, proxied token requests and unknown tokens', async () => {
    const put = (headers: Record<string, string>) => fetch(`${server.httpUrl}/latest/api/token`, { method: 'PUT', headers });
    const ok = await put({ 'X-aws-ec2-metadata-token-ttl-seconds': '300' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-aws-ec2-metadata-token-ttl-seconds')).toBe('300');
    const token = await ok.text();
    expect((await put({})).status).toBe(400);
    expect((await put({ 'X-aws-ec2-metadata-token-ttl-seconds': '0' })).status).toBe(400);
    expect((await put({ 'X-aws-ec2-metadata-token-ttl-seconds': '60', 'X-Forwarded-For': '10.0.0.1' })).status).toBe(403);

    const get = (t: string) => fetch(`${server.httpUrl}/latest/meta-data/instance-id`, { headers: { 'X-aws-ec2-metadata-token': t } });
    expect((await get(token)).status).toBe(200);
    expect((await get('forged')).status).toBe(401);
    await admin(server).post('/clock/advance', { ms: 301_000 });
    expect((await get(token)).status).toBe(401);
  });

  it('lists launch-time EBS mappings under block-device-mapping, and not later attachments', async () => {
    const run = await ec2.send(
      new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 'm5.large', MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: 'us-east-1a' }, BlockDeviceMappings: [{ DeviceName: '/dev/sdf', Ebs: { VolumeSize: 5 } }] }),
    );
    const id = run.Instances![0]!.InstanceId!;
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
    await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    await ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId: id, Device: '/dev/xvdbz' }));
    const bdm = await fetch(`${server.httpUrl}/latest/meta-data/block-device-mapping/`, { headers: { 'X-Fauxcloud-Instance-Id': id } });
    expect((await bdm.text()).split('\n')).toEqual(['ami', 'root', 'ebs1']);
  });

  it('serves one instance per port, for components that cannot say which instance they are', async () => {
    const target = nodes[2]!;
    const opened = await admin(server).post<{ port: number; endpoint: string }>('/aws/imds', { instanceId: target.InstanceId });
    expect(opened.status).toBe(200);
    const imds = imdsAt(opened.body.endpoint);
    expect(await imds.request('/latest/meta-data/instance-id', {})).toBe(target.InstanceId);
    expect(await imds.request('/latest/meta-data/placement/availability-zone', {})).toBe('us-east-1c');
    expect((await admin(server).get<unknown[]>('/aws/imds')).body).toEqual([{ instanceId: target.InstanceId, port: opened.body.port, endpoint: opened.body.endpoint }]);
    expect((await admin(server).delete(`/aws/imds/${opened.body.port}`)).body).toEqual({ closed: true });
    expect((await admin(server).post('/aws/imds', { instanceId: 'i-0123456789abcdef0' })).status).toBe(404);
  });
});
