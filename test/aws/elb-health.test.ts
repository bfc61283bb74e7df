/** Target and instance health on the lifecycle engine: what a test waiting for "healthy" sees, and how a drill holds it. */
import { CreateLoadBalancerCommand, DescribeInstanceHealthCommand, DeregisterInstancesFromLoadBalancerCommand, ElasticLoadBalancingClient, RegisterInstancesWithLoadBalancerCommand } from '@aws-sdk/client-elastic-load-balancing';
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

describe('ELBv2 target health', () => {
  it('starts initial, turns healthy when the scenario lets it, and drains on deregistration', async () => {
    const lb = (await elbv2.send(new v2.CreateLoadBalancerCommand({ Name: 'nlb-health', Type: 'network', Subnets: subnets }))).LoadBalancers![0]!;
    const tg = (await elbv2.send(new v2.CreateTargetGroupCommand({ Name: 'tg-health', Protocol: 'TCP', Port: 30080, VpcId: lb.VpcId, TargetType: 'instance' }))).TargetGroups![0]!;
    await elbv2.send(new v2.CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Port: 80, Protocol: 'TCP', DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }));
    await admin(server).put('/lifecycle', { 'aws.elbv2.target-health': { initial: { delay: { ms: 30_000 } }, draining: { delay: { ms: 300_000 } } } });

    await elbv2.send(new v2.RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: nodes.map((n) => ({ Id: n.InstanceId })) }));
    const health = async () => (await elbv2.send(new v2.DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions!;
    const first = await health();
    expect(first.map((t) => t.TargetHealth)).toEqual(nodes.map(() => ({ State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' })));

    await admin(server).post('/clock/advance', { ms: 30_000 });
    expect((await health()).map((t) => t.TargetHealth!.State)).toEqual(nodes.map(() => 'healthy'));
    await expect(v2.waitUntilTargetInService({ client: elbv2, maxWaitTime: 5, minDelay: 1, maxDelay: 1 }, { TargetGroupArn: tg.TargetGroupArn })).resolves.toMatchObject({ state: 'SUCCESS' });

    const gone = nodes[0]!.InstanceId!;
    await elbv2.send(new v2.DeregisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: gone }] }));
    const draining = (await health()).find((t) => t.Target!.Id === gone)!;
    expect(draining.TargetHealth).toEqual({ State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: 'Target deregistration is in progress' });
    await admin(server).post('/clock/advance', { ms: 300_000 });
    expect((await health()).map((t) => t.Target!.Id)).not.toContain(gone);
    const asked = (await elbv2.send(new v2.DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: gone }] }))).TargetHealthDescriptions!;
    expect(asked[0]!.TargetHealth!.State).toBe('unavailable');
  });
});

describe('classic ELB instance health', () => {
  it('is OutOfService while registration is in progress, then InService', async () => {
    const name = 'health-classic';
    await elb.send(new CreateLoadBalancerCommand({ LoadBalancerName: name, Listeners: [{ Protocol: 'TCP', LoadBalancerPort: 80, InstanceProtocol: 'TCP', InstancePort: 30080 }], Subnets: subnets }));
    await admin(server).put('/lifecycle', { 'aws.elb.instance-health': { OutOfService: { delay: { ms: 20_000 } } } });
    await elb.send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: name, Instances: nodes.map((n) => ({ InstanceId: n.InstanceId })) }));
    const states = async () => (await elb.send(new DescribeInstanceHealthCommand({ LoadBalancerName: name }))).InstanceStates!;
    expect((await states())[0]).toEqual({ InstanceId: nodes[0]!.InstanceId, State: 'OutOfService', ReasonCode: 'ELB', Description: 'Instance registration is still in progress.' });
    await admin(server).post('/clock/advance', { ms: 20_000 });
    expect((await states()).map((s) => s.State)).toEqual(nodes.map(() => 'InService'));

    // Registered again after deregistration: the check starts over.
    await elb.send(new DeregisterInstancesFromLoadBalancerCommand({ LoadBalancerName: name, Instances: [{ InstanceId: nodes[0]!.InstanceId }] }));
    await elb.send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: name, Instances: [{ InstanceId: nodes[0]!.InstanceId }] }));
    expect((await states()).find((s) => s.InstanceId === nodes[0]!.InstanceId)!.State).toBe('OutOfService');
  });
});
