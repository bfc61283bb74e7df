/** Classic ELB and ELBv2 (NLB) the way the AWS CCM's service controller drives them. */
import {
  AddTagsCommand,
  ApplySecurityGroupsToLoadBalancerCommand,
  ConfigureHealthCheckCommand,
  CreateLoadBalancerCommand,
  CreateLoadBalancerListenersCommand,
  CreateLoadBalancerPolicyCommand,
  DeleteLoadBalancerCommand,
  DeleteLoadBalancerListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancerPoliciesCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingClient,
  ModifyLoadBalancerAttributesCommand,
  RegisterInstancesWithLoadBalancerCommand,
  SetLoadBalancerPoliciesForBackendServerCommand,
} from '@aws-sdk/client-elastic-load-balancing';
import * as v2 from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeInstancesCommand, DescribeSubnetsCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
let ec2: EC2Client;
let elb: ElasticLoadBalancingClient;
let elbv2: v2.ElasticLoadBalancingV2Client;
let subnets: string[];
let nodes: Instance[];

useFauxcloud((s) => {
  server = s;
  ec2 = ec2Client(s);
  const o = { endpoint: s.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 };
  elb = new ElasticLoadBalancingClient(o);
  elbv2 = new v2.ElasticLoadBalancingV2Client(o);
});
beforeEach(async () => {
  subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:kubernetes.io/role/elb', Values: ['1'] }] }))).Subnets!.map((s) => s.SubnetId!);
  nodes = (await ec2.send(new DescribeInstancesCommand({}))).Reservations!.flatMap((r) => r.Instances!);
});

describe('classic ELB', () => {
  it('creates, describes, updates and deletes a Service load balancer', async () => {
    const name = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
    const listeners = [{ Protocol: 'TCP', LoadBalancerPort: 80, InstanceProtocol: 'TCP', InstancePort: 30080 }];
    const { DNSName } = await elb.send(new CreateLoadBalancerCommand({ LoadBalancerName: name, Listeners: listeners, Subnets: subnets, Tags: [{ Key: 'kubernetes.io/cluster/fauxcloud', Value: 'owned' }] }));
    expect(DNSName).toMatch(new RegExp(`^${name}-\\d{10}\\.us-east-1\\.elb\\.amazonaws\\.com$`));
    // Idempotent with the same listeners.
    expect((await elb.send(new CreateLoadBalancerCommand({ LoadBalancerName: name, Listeners: listeners, Subnets: subnets }))).DNSName).toBe(DNSName);

    await elb.send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: name, Instances: nodes.map((n) => ({ InstanceId: n.InstanceId })) }));
    await elb.send(new ConfigureHealthCheckCommand({ LoadBalancerName: name, HealthCheck: { Target: 'TCP:30080', Interval: 10, Timeout: 5, HealthyThreshold: 2, UnhealthyThreshold: 6 } }));
    await elb.send(new CreateLoadBalancerListenersCommand({ LoadBalancerName: name, Listeners: [{ Protocol: 'TCP', LoadBalancerPort: 443, InstanceProtocol: 'TCP', InstancePort: 30443 }] }));
    await elb.send(new DeleteLoadBalancerListenersCommand({ LoadBalancerName: name, LoadBalancerPorts: [80] }));
    await elb.send(new ApplySecurityGroupsToLoadBalancerCommand({ LoadBalancerName: name, SecurityGroups: [nodes[0]!.SecurityGroups![0]!.GroupId!] }));
    await elb.send(new AddTagsCommand({ LoadBalancerNames: [name], Tags: [{ Key: 'team', Value: 'web' }] }));

    const [d] = (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [name] }))).LoadBalancerDescriptions!;
    expect(d).toMatchObject({
      DNSName,
      Scheme: 'internet-facing',
      Subnets: subnets,
      AvailabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      HealthCheck: { Target: 'TCP:30080', Interval: 10 },
      ListenerDescriptions: [{ Listener: { Protocol: 'TCP', LoadBalancerPort: 443, InstancePort: 30443 }, PolicyNames: [] }],
      CanonicalHostedZoneNameID: 'Z35SXDOTRQ7X7K',
    });
    expect(d!.Instances!.map((i) => i.InstanceId)).toEqual(nodes.map((n) => n.InstanceId));

    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerName: name }));
    await expect(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [name] }))).rejects.toMatchObject({ name: 'AccessPointNotFoundException' });
  });

  it('echoes attributes exactly as set, and manages proxy-protocol policies', async () => {
    const name = 'internal-svc';
    const { DNSName } = await elb.send(new CreateLoadBalancerCommand({ LoadBalancerName: name, Scheme: 'internal', Listeners: [{ Protocol: 'TCP', LoadBalancerPort: 80, InstancePort: 30080 }], Subnets: subnets }));
    expect(DNSName).toMatch(/^internal-internal-svc-\d{10}\./);
    const wanted = { ConnectionDraining: { Enabled: true, Timeout: 120 }, ConnectionSettings: { IdleTimeout: 300 }, CrossZoneLoadBalancing: { Enabled: true } };
    await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerName: name, LoadBalancerAttributes: wanted }));
    const got = (await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerName: name }))).LoadBalancerAttributes!;
    expect(got).toMatchObject({ ...wanted, AccessLog: { Enabled: false } });

    await expect(elb.send(new DescribeLoadBalancerPoliciesCommand({ LoadBalancerName: name, PolicyNames: ['k8s-proxyprotocol-enabled'] }))).rejects.toMatchObject({ name: 'PolicyNotFoundException' });
    await elb.send(new CreateLoadBalancerPolicyCommand({ LoadBalancerName: name, PolicyName: 'k8s-proxyprotocol-enabled', PolicyTypeName: 'ProxyProtocolPolicyType', PolicyAttributes: [{ AttributeName: 'ProxyProtocol', AttributeValue: 'true' }] }));
    await elb.send(new SetLoadBalancerPoliciesForBackendServerCommand({ LoadBalancerName: name, InstancePort: 30080, PolicyNames: ['k8s-proxyprotocol-enabled'] }));
    const [d] = (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [name] }))).LoadBalancerDescriptions!;
    expect(d!.BackendServerDescriptions).toEqual([{ InstancePort: 30080, PolicyNames: ['k8s-proxyprotocol-enabled'] }]);
    await expect(elb.send(new SetLoadBalancerPoliciesForBackendServerCommand({ LoadBalancerName: name, InstancePort: 30080, PolicyNames: ['nope'] }))).rejects.toMatchObject({ name: 'PolicyNotFoundException' });
  });
});

describe('ELBv2 (NLB)', () => {
  it('provisions an NLB, forwards listeners to a target group with healthy targets, cleans up', async () => {
    await admin(server).put('/lifecycle', { 'aws.elbv2.load-balancer': { provisioning: { delay: { ms: 60_000 } } } });
    const created = await elbv2.send(new v2.CreateLoadBalancerCommand({ Name: 'k8s-nlb-1', Type: 'network', Scheme: 'internet-facing', SubnetMappings: subnets.map((SubnetId) => ({ SubnetId })), Tags: [{ Key: 'kubernetes.io/service-name', Value: 'default/web' }] }));
    const lb = created.LoadBalancers![0]!;
    expect(lb).toMatchObject({ Type: 'network', State: { Code: 'provisioning' }, CanonicalHostedZoneId: 'Z26RNL4JYFTOTI' });
    expect(lb.DNSName).toMatch(/^k8s-nlb-1-[0-9a-f]{16}\.elb\.us-east-1\.amazonaws\.com$/);
    expect(lb.LoadBalancerArn).toMatch(/^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/net\/k8s-nlb-1\/[0-9a-f]{16}$/);

    const vpcId = lb.VpcId!;
    const tg = (await elbv2.send(new v2.CreateTargetGroupCommand({ Name: 'k8s-default-web-1', Protocol: 'TCP', Port: 30080, VpcId: vpcId, TargetType: 'instance' }))).TargetGroups![0]!;
    await elbv2.send(new v2.RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: nodes.map((n) => ({ Id: n.InstanceId, Port: 30080 })) }));
    const unused = (await elbv2.send(new v2.DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions!;
    expect(unused.map((t) => t.TargetHealth!.State)).toEqual(['unused', 'unused', 'unused']);

    await elbv2.send(new v2.CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Port: 80, Protocol: 'TCP', DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }));
    await expect(elbv2.send(new v2.CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Port: 80, Protocol: 'UDP', DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }))).rejects.toMatchObject({
      name: 'DuplicateListenerException',
    });
    const healthy = (await elbv2.send(new v2.DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions!;
    expect(healthy.map((t) => [t.Target!.Id, t.TargetHealth!.State])).toEqual(nodes.map((n) => [n.InstanceId, 'healthy']));

    await elbv2.send(new v2.ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }] }));
    const attrs = (await elbv2.send(new v2.DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Attributes!;
    expect(attrs).toContainEqual({ Key: 'load_balancing.cross_zone.enabled', Value: 'true' });
    await expect(elbv2.send(new v2.ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'colour', Value: 'blue' }] }))).rejects.toMatchObject({
      name: 'InvalidConfigurationRequestException',
    });

    const byName = async () => (await elbv2.send(new v2.DescribeLoadBalancersCommand({ Names: ['k8s-nlb-1'] }))).LoadBalancers![0]!.State!.Code;
    expect(await byName()).toBe('provisioning');
    await admin(server).post('/clock/advance', { ms: 60_000 });
    expect(await byName()).toBe('active');

    await expect(elbv2.send(new v2.DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn }))).rejects.toMatchObject({ name: 'ResourceInUseException' });
    await elbv2.send(new v2.DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    await elbv2.send(new v2.DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn }));
    await expect(elbv2.send(new v2.DescribeLoadBalancersCommand({ Names: ['k8s-nlb-1'] }))).rejects.toMatchObject({ name: 'LoadBalancerNotFoundException' });
  });

  it('refuses a second NLB of the same name with other settings, and tags by ARN', async () => {
    const lb = (await elbv2.send(new v2.CreateLoadBalancerCommand({ Name: 'dup', Type: 'network', Subnets: subnets.slice(0, 1) }))).LoadBalancers![0]!;
    expect((await elbv2.send(new v2.CreateLoadBalancerCommand({ Name: 'dup', Type: 'network', Subnets: subnets.slice(0, 1) }))).LoadBalancers![0]!.LoadBalancerArn).toBe(lb.LoadBalancerArn);
    await expect(elbv2.send(new v2.CreateLoadBalancerCommand({ Name: 'dup', Type: 'network', Subnets: subnets }))).rejects.toMatchObject({ name: 'DuplicateLoadBalancerNameException' });
    await elbv2.send(new v2.AddTagsCommand({ ResourceArns: [lb.LoadBalancerArn!], Tags: [{ Key: 'a', Value: 'b' }] }));
    expect((await elbv2.send(new v2.DescribeTagsCommand({ ResourceArns: [lb.LoadBalancerArn!] }))).TagDescriptions![0]!.Tags).toEqual([{ Key: 'a', Value: 'b' }]);
  });
});
