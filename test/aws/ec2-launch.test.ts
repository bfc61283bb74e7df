/** What a launcher (Karpenter, kops, eksctl, a provider's e2e setup) sends to RunInstances, and what it reads back. */
import {
  CreateKeyPairCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DeleteKeyPairCommand,
  DeleteLaunchTemplateCommand,
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeKeyPairsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  ImportKeyPairCommand,
  ModifyInstanceAttributeCommand,
  ModifyInstanceMetadataOptionsCommand,
  ModifyLaunchTemplateCommand,
  RebootInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
let ec2: EC2Client;

useFauxcloud((s) => {
  server = s;
  ec2 = ec2Client(s);
});

const AMI = 'ami-0fa0c10d000000001';

async function clusterSubnet(zone = 'us-east-1a') {
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: [zone] }, { Name: 'tag:Name', Values: ['*'] }] }))).Subnets!;
  return subnets[0]!;
}

async function describeOne(id: string) {
  return (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
}

describe('RunInstances', () => {
  it('launches into a subnet at a chosen address, with groups, volumes, metadata options and user data', async () => {
    const subnet = await clusterSubnet();
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [subnet.VpcId!] }, { Name: 'group-name', Values: ['default'] }] }))).SecurityGroups![0]!;
    const ip = subnet.CidrBlock!.replace(/\.0\/\d+$/, '.200');
    const userData = Buffer.from('#!/bin/bash\necho hello\n').toString('base64');
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: AMI,
        InstanceType: 'm5.xlarge',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnet.SubnetId,
        PrivateIpAddress: ip,
        SecurityGroupIds: [group.GroupId!],
        EbsOptimized: true,
        Monitoring: { Enabled: true },
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'enabled' },
        UserData: userData,
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 50, VolumeType: 'gp3', Iops: 4000, Encrypted: true } },
          { DeviceName: '/dev/xvdb', Ebs: { VolumeSize: 100, VolumeType: 'io2', Iops: 5000, DeleteOnTermination: false } },
        ],
        TagSpecifications: [
          { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'launcher' }] },
          { ResourceType: 'volume', Tags: [{ Key: 'team', Value: 'platform' }] },
        ],
      }),
    );
    const inst = run.Instances![0]!;
    expect(inst).toMatchObject({
      State: { Name: 'pending', Code: 0 },
      StateReason: { Code: 'pending', Message: 'pending' },
      StateTransitionReason: '',
      SubnetId: subnet.SubnetId,
      PrivateIpAddress: ip,
      SecurityGroups: [{ GroupId: group.GroupId, GroupName: 'default' }],
      EbsOptimized: true,
      Monitoring: { State: 'enabled' },
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'enabled', HttpEndpoint: 'enabled' },
      RootDeviceName: '/dev/xvda',
    });
    // A subnet that does not map public IPs gives none.
    expect(inst.PublicIpAddress).toBeUndefined();

    const running = await describeOne(inst.InstanceId!);
    expect(running.State?.Name).toBe('running');
    expect(running.StateReason).toBeUndefined();
    const vols = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [inst.InstanceId!] }] }))).Volumes!;
    const byDevice = Object.fromEntries(vols.map((v) => [v.Attachments![0]!.Device, v]));
    expect(byDevice['/dev/xvda']).toMatchObject({ Size: 50, VolumeType: 'gp3', Iops: 4000, Encrypted: true, SnapshotId: 'snap-0fa0c10d000000001', Tags: [{ Key: 'team', Value: 'platform' }] });
    expect(byDevice['/dev/xvdb']).toMatchObject({ Size: 100, VolumeType: 'io2', Iops: 5000, Attachments: [{ DeleteOnTermination: false }] });

    const ud = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: inst.InstanceId, Attribute: 'userData' }));
    expect(ud.UserData?.Value).toBe(userData);

    // The address is now taken.
    await expect(ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, SubnetId: subnet.SubnetId, PrivateIpAddress: ip }))).rejects.toMatchObject({
      name: 'InvalidIPAddress.InUse',
    });
  });

  it('gives a public IP in a default subnet, released on stop and new on start', async () => {
    const west = ec2Client(server, { region: 'us-west-2' });
    const run = await west.send(new RunInstancesCommand({ ImageId: AMI, InstanceType: 't3.small', MinCount: 1, MaxCount: 1 }));
    const id = run.Instances![0]!.InstanceId!;
    const first = run.Instances![0]!.PublicIpAddress!;
    expect(first).toMatch(/^3\.\d+\.\d+\.\d+$/);
    expect(run.Instances![0]!.PublicDnsName).toBe(`ec2-${first.replaceAll('.', '-')}.us-west-2.compute.amazonaws.com`);
    const byIp = await west.send(new DescribeInstancesCommand({ Filters: [{ Name: 'ip-address', Values: [first] }] }));
    expect(byIp.Reservations![0]!.Instances![0]!.InstanceId).toBe(id);

    await west.send(new StopInstancesCommand({ InstanceIds: [id] }));
    const stopped = (await west.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
    expect(stopped.State?.Name).toBe('stopped');
    expect(stopped.PublicIpAddress).toBeUndefined();
    await west.send(new StartInstancesCommand({ InstanceIds: [id] }));
    const again = (await west.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
    expect(again.PublicIpAddress).toMatch(/^3\./);
    expect(again.StateTransitionReason).toBe('');
  });

  it('is idempotent on ClientToken and refuses the same token with other parameters', async () => {
    const req = { ImageId: AMI, MinCount: 2, MaxCount: 2, InstanceType: 't3.micro' as const, Placement: { AvailabilityZone: 'us-east-1b' }, ClientToken: 'launch-1' };
    const a = await ec2.send(new RunInstancesCommand(req));
    const b = await ec2.send(new RunInstancesCommand(req));
    expect(b.ReservationId).toBe(a.ReservationId);
    expect(b.Instances!.map((i) => i.InstanceId)).toEqual(a.Instances!.map((i) => i.InstanceId));
    expect(b.Instances![0]!.ClientToken).toBe('launch-1');
    await expect(ec2.send(new RunInstancesCommand({ ...req, InstanceType: 't3.large' }))).rejects.toMatchObject({ name: 'IdempotentParameterMismatch' });
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: a.Instances!.map((i) => i.InstanceId!) }));
  });

  it('answers bad launches as EC2 does', async () => {
    const base = { ImageId: AMI, MinCount: 1, MaxCount: 1 };
    const subnet = await clusterSubnet();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ImageId: 'ami-0000000000000dead' }, 'InvalidAMIID.NotFound'],
      [{ ImageId: 'ami-xyz' }, 'InvalidAMIID.Malformed'],
      [{ SubnetId: 'subnet-0000000000000dead' }, 'InvalidSubnetID.NotFound'],
      [{ SubnetId: subnet.SubnetId, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnet.SubnetId }] }, 'InvalidParameterCombination'],
      [{ SubnetId: subnet.SubnetId, SecurityGroups: ['default'] }, 'InvalidParameterCombination'],
      [{ SubnetId: subnet.SubnetId, PrivateIpAddress: '192.168.99.9' }, 'InvalidParameterValue'],
      [{ MaxCount: 2, PrivateIpAddress: '10.0.0.10' }, 'InvalidParameterCombination'],
      [{ KeyName: 'nobody' }, 'InvalidKeyPair.NotFound'],
      [{ BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 4 } }] }, 'InvalidBlockDeviceMapping'],
      [{ BlockDeviceMappings: [{ DeviceName: '/dev/xvdf', Ebs: { VolumeSize: 10, VolumeType: 'gp2', Iops: 3000 } }] }, 'InvalidParameterCombination'],
      [{ MetadataOptions: { HttpPutResponseHopLimit: 65 } }, 'InvalidParameterValue'],
      [{ UserData: 'not base64!' }, 'InvalidParameterValue'],
      [{ LaunchTemplate: { LaunchTemplateName: 'absent' } }, 'InvalidLaunchTemplateName.NotFoundException'],
    ];
    for (const [extra, code] of cases)
      await expect(ec2.send(new RunInstancesCommand({ ...base, Placement: { AvailabilityZone: 'us-east-1a' }, ...extra } as never)), code).rejects.toMatchObject({ name: code });
  });
  it('fills a small subnet as EC2 does: between MinCount and MaxCount, then none, and reuses a terminated address', async () => {
    await admin(server).put('/lifecycle', {});
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.77.0.0/16' }))).Vpc!.VpcId!;
    // A /28 has 16 addresses, of which AWS keeps five: 11 instances fit.
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.77.0.0/28', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const first = await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 20, SubnetId: subnet }));
    expect(first.Instances).toHaveLength(11);
    await expect(ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, SubnetId: subnet }))).rejects.toMatchObject({ name: 'InsufficientFreeAddressesInSubnet' });
    const gone = first.Instances![3]!;
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone.InstanceId!] }));
    const again = await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, SubnetId: subnet }));
    expect(again.Instances![0]!.PrivateIpAddress).toBe(gone.PrivateIpAddress);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [...first.Instances!, ...again.Instances!].map((i) => i.InstanceId!) }));
  });
});

describe('state changes and attributes', () => {
  it('writes the reasons EC2 writes, protects from termination and changes type only when stopped', async () => {
    const run = await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, InstanceType: 'm5.large', Placement: { AvailabilityZone: 'us-east-1c' }, DisableApiTermination: true }));
    const id = run.Instances![0]!.InstanceId!;
    await ec2.send(new RebootInstancesCommand({ InstanceIds: [id] }));
    expect((await describeOne(id)).State?.Name).toBe('running');

    await expect(ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }))).rejects.toMatchObject({ name: 'OperationNotPermitted' });
    await expect(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: 'm5.2xlarge' } }))).rejects.toMatchObject({ name: 'IncorrectInstanceState' });
    await expect(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, SourceDestCheck: { Value: false }, EbsOptimized: { Value: true } }))).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
    });

    await admin(server).put('/lifecycle', { 'aws.ec2.instance': { stopping: { delay: { ms: 60_000 } } } });
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    const stopping = await describeOne(id);
    expect(stopping.State?.Name).toBe('stopping');
    expect(stopping.StateTransitionReason).toMatch(/^User initiated \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\)$/);
    expect(stopping.StateReason).toEqual({ Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' });
    const byReason = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'state-reason-code', Values: ['Client.UserInitiatedShutdown'] }, { Name: 'instance-state-name', Values: ['stopping', 'stopped'] }] }));
    expect(byReason.Reservations!.flatMap((r) => r.Instances!).map((i) => i.InstanceId)).toContain(id);
    await admin(server).post('/clock/advance', { ms: 60_000 });
    expect((await describeOne(id)).State?.Name).toBe('stopped');

    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: 'm5.2xlarge' } }));
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, DisableApiTermination: { Value: false } }));
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, SourceDestCheck: { Value: false } }));
    const root = (await describeOne(id)).BlockDeviceMappings![0]!;
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, BlockDeviceMappings: [{ DeviceName: root.DeviceName, Ebs: { DeleteOnTermination: false } }] }));
    const attr = async (Attribute: string) => ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: Attribute as 'instanceType' }));
    expect((await attr('instanceType')).InstanceType?.Value).toBe('m5.2xlarge');
    expect((await attr('disableApiTermination')).DisableApiTermination?.Value).toBe(false);
    expect((await attr('sourceDestCheck')).SourceDestCheck?.Value).toBe(false);
    expect((await attr('blockDeviceMapping')).BlockDeviceMappings).toEqual([expect.objectContaining({ DeviceName: '/dev/xvda', Ebs: expect.objectContaining({ DeleteOnTermination: false }) })]);
    expect((await attr('rootDeviceName')).RootDeviceName?.Value).toBe('/dev/xvda');

    const opts = await ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens: 'required' }));
    expect(opts.InstanceMetadataOptions).toMatchObject({ State: 'pending', HttpTokens: 'required' });

    await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    const status = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }));
    expect(status.InstanceStatuses![0]).toMatchObject({ InstanceState: { Name: 'running' }, InstanceStatus: { Status: 'ok' }, SystemStatus: { Status: 'ok' } });

    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    expect((await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }))).InstanceStatuses).toEqual([]);
    const all = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id], IncludeAllInstances: true }));
    expect(all.InstanceStatuses![0]).toMatchObject({ InstanceState: { Name: 'stopping' }, InstanceStatus: { Status: 'not-applicable' } });

    await admin(server).put('/lifecycle', {});
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    const gone = await describeOne(id);
    expect(gone.State?.Name).toBe('terminated');
    expect(gone.StateReason?.Code).toBe('Client.UserInitiatedShutdown');
    // The root volume was kept (DeleteOnTermination changed to false).
    expect((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [root.Ebs!.VolumeId!] }))).Volumes![0]!.State).toBe('available');
  });

  it('filters instances by network interface, subnet, VPC, type, zone and tag key', async () => {
    const subnet = await clusterSubnet('us-east-1b');
    const hit = async (Name: string, Values: string[]) =>
      (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name, Values }, { Name: 'instance-state-name', Values: ['running', 'pending'] }] }))).Reservations!.flatMap((r) => r.Instances!);
    const inSubnet = await hit('subnet-id', [subnet.SubnetId!]);
    expect(inSubnet.length).toBeGreaterThan(0);
    const one = inSubnet[0]!;
    expect((await hit('network-interface.network-interface-id', [one.NetworkInterfaces![0]!.NetworkInterfaceId!])).map((i) => i.InstanceId)).toEqual([one.InstanceId]);
    expect((await hit('network-interface.addresses.private-ip-address', [one.PrivateIpAddress!])).map((i) => i.InstanceId)).toEqual([one.InstanceId]);
    expect((await hit('private-ip-address', [one.PrivateIpAddress!])).map((i) => i.InstanceId)).toEqual([one.InstanceId]);
    expect((await hit('vpc-id', [subnet.VpcId!])).length).toBeGreaterThanOrEqual(inSubnet.length);
    expect((await hit('availability-zone', ['us-east-1b'])).every((i) => i.Placement?.AvailabilityZone === 'us-east-1b')).toBe(true);
    expect((await hit('instance-type', ['m5.*'])).every((i) => i.InstanceType!.startsWith('m5.'))).toBe(true);
    expect((await hit('tag-key', ['kubernetes.io/cluster/*'])).length).toBe(3);
    await expect(hit('no-such-filter', ['x'])).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('images, key pairs and launch templates', () => {
  it('describes the seeded AMIs by owner, id and filter, with their root device', async () => {
    const amazon = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }))).Images!;
    expect(amazon.map((i) => i.ImageId)).toEqual([AMI]);
    expect(amazon[0]).toMatchObject({ RootDeviceName: '/dev/xvda', RootDeviceType: 'ebs', ImageOwnerAlias: 'amazon', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } }] });
    const ubuntu = (await ec2.send(new DescribeImagesCommand({ Owners: ['099720109477'] }))).Images!;
    expect(ubuntu[0]).toMatchObject({ RootDeviceName: '/dev/sda1', OwnerId: '099720109477' });
    expect((await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images).toEqual([]);
    expect((await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'owner-alias', Values: ['amazon'] }, { Name: 'architecture', Values: ['arm64'] }] }))).Images!.map((i) => i.ImageId)).toEqual([
      'ami-0fa0c10d000000002',
    ]);
    await expect(ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-0000000000000dead'] }))).rejects.toMatchObject({ name: 'InvalidAMIID.NotFound' });
  });

  it('creates, imports, describes and deletes key pairs, and launches with one', async () => {
    const created = await ec2.send(new CreateKeyPairCommand({ KeyName: 'ops', KeyType: 'ed25519' }));
    expect(created.KeyMaterial).toContain('PRIVATE KEY');
    expect(created.KeyPairId).toMatch(/^key-[0-9a-f]{17}$/);
    await expect(ec2.send(new CreateKeyPairCommand({ KeyName: 'ops' }))).rejects.toMatchObject({ name: 'InvalidKeyPair.Duplicate' });
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)]);
    const imported = await ec2.send(new ImportKeyPairCommand({ KeyName: 'ci', PublicKeyMaterial: Buffer.from(`ssh-ed25519 ${blob.toString('base64')} ci@host`) }));
    expect(imported.KeyFingerprint).toMatch(/=$/);
    const listed = (await ec2.send(new DescribeKeyPairsCommand({ IncludePublicKey: true }))).KeyPairs!;
    expect(listed.map((k) => k.KeyName)).toEqual(['ops', 'ci']);
    expect(listed[1]!.PublicKey).toBe(`ssh-ed25519 ${blob.toString('base64')}`);
    const run = await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, KeyName: 'ci', Placement: { AvailabilityZone: 'us-east-1a' } }));
    expect(run.Instances![0]!.KeyName).toBe('ci');
    await ec2.send(new DeleteKeyPairCommand({ KeyName: 'ci' }));
    await ec2.send(new DeleteKeyPairCommand({ KeyName: 'ci' }));
    await expect(ec2.send(new DescribeKeyPairsCommand({ KeyNames: ['ci'] }))).rejects.toMatchObject({ name: 'InvalidKeyPair.NotFound' });
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [run.Instances![0]!.InstanceId!] }));
  });

  it('keeps launch template versions, moves the default, and launches from it', async () => {
    const lt = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'nodes',
        VersionDescription: 'v1',
        LaunchTemplateData: { ImageId: AMI, InstanceType: 't3.medium', MetadataOptions: { HttpTokens: 'required' }, TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'pool', Value: 'a' }] }] },
      }),
    );
    const id = lt.LaunchTemplate!.LaunchTemplateId!;
    await expect(ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'nodes', LaunchTemplateData: { InstanceType: 't3.micro' } }))).rejects.toMatchObject({ name: 'InvalidLaunchTemplateName.AlreadyExistsException' });
    const v2 = await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, SourceVersion: '1', LaunchTemplateData: { InstanceType: 'c5.large' } }));
    expect(v2.LaunchTemplateVersion).toMatchObject({ VersionNumber: 2, DefaultVersion: false, LaunchTemplateData: { ImageId: AMI, InstanceType: 'c5.large' } });
    await ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: '2' }));
    const described = (await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['nodes'] }))).LaunchTemplates![0]!;
    expect(described).toMatchObject({ DefaultVersionNumber: 2, LatestVersionNumber: 2 });
    const versions = (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id }))).LaunchTemplateVersions!;
    expect(versions.map((v) => [v.VersionNumber, v.DefaultVersion])).toEqual([[2, true], [1, false]]);
    const latest = (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'nodes', Versions: ['$Latest'] }))).LaunchTemplateVersions!;
    expect(latest.map((v) => v.VersionNumber)).toEqual([2]);

    const run = await ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateName: 'nodes' }, Placement: { AvailabilityZone: 'us-east-1a' } }));
    const inst = run.Instances![0]!;
    expect(inst).toMatchObject({ InstanceType: 'c5.large', ImageId: AMI, MetadataOptions: { HttpTokens: 'required' } });
    expect(inst.Tags).toEqual(expect.arrayContaining([{ Key: 'pool', Value: 'a' }, { Key: 'aws:ec2launchtemplate:id', Value: id }, { Key: 'aws:ec2launchtemplate:version', Value: '2' }]));
    const v1 = await ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, InstanceType: 'm5.large', LaunchTemplate: { LaunchTemplateId: id, Version: '1' }, Placement: { AvailabilityZone: 'us-east-1a' } }));
    expect(v1.Instances![0]!.InstanceType).toBe('m5.large');
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [inst.InstanceId!, v1.Instances![0]!.InstanceId!] }));

    await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: id }));
    await expect(ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }))).rejects.toMatchObject({ name: 'InvalidLaunchTemplateId.NotFound' });
  });
});
