/**
 * The XML writers compiled from the model send large answers as bytes encoded a piece at a time
 * (between list items). Whatever the pieces, the bytes must be those of the one-string encoding.
 */
import { describe, expect, it } from 'vitest';
import { serviceModel } from '../../clouds/aws/shared/model.js';
import { encodeEc2Response } from '../../clouds/aws/shared/ec2-query.js';
import { encodeQueryResponse } from '../../clouds/aws/shared/query-protocol.js';
import { structEncoder, XmlBytes, XmlFragment } from '../../clouds/aws/shared/xml-compiler.js';

const EC2 = { name: 'ec2', selfClosingEmptyList: true, flattenedLists: false, timestampFromSchema: true };

/** Text that stresses the encoders: XML specials, CR/LF, 2- and 3-byte UTF-8, a surrogate pair, a lone surrogate. */
const ODD = ['a&b<c>"d\'', 'line\r\nbreak', 'Grüße', '東京', 'rocket 🚀', 'lone \ud800 half', ''];

function instance(i: number) {
  const odd = ODD[i % ODD.length]!;
  return {
    InstanceId: `i-${i.toString(16).padStart(17, '0')}`,
    State: { Code: 16, Name: 'running' },
    LaunchTime: new Date(Date.UTC(2026, 11, 2, 16, 0, 0, i)),
    AmiLaunchIndex: i,
    EbsOptimized: i % 2 === 0,
    ProductCodes: [],
    Tags: [{ Key: 'Name', Value: `node-${i} ${odd}` }, { Key: odd, Value: odd }],
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { AttachTime: new Date(0), DeleteOnTermination: true, Status: 'attached', VolumeId: `vol-${i}` } }],
    NetworkInterfaces: [{ Description: odd, Groups: [{ GroupId: 'sg-1', GroupName: odd }], PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: '10.0.0.1' }] }],
  };
}

const describeInstances = (n: number) => ({
  Reservations: Array.from({ length: Math.ceil(n / 7) }, (_, r) => ({
    ReservationId: `r-${r}`,
    OwnerId: '000000000000',
    Groups: [],
    Instances: Array.from({ length: Math.min(7, n - r * 7) }, (_, k) => instance(r * 7 + k)),
  })),
  NextToken: 'tok&en',
});

describe('XML answers written as bytes', () => {
  const ec2 = serviceModel('@aws-sdk/client-ec2');

  it('DescribeInstances: the same bytes as the one-string encoding, whatever the piece size and buffer growth', () => {
    const output = ec2.operation('DescribeInstances')!.output;
    for (const n of [0, 1, 50, 400]) {
      const value = describeInstances(n);
      const text = structEncoder(EC2, output)(value);
      const head = '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>rid</requestId>';
      const expected = Buffer.from(`${head}${text}</DescribeInstancesResponse>`);
      if (n >= 50) expect(text).toContain('🚀');
      for (const [limit, size] of [[0, 1], [1, 16], [100, 1024], [16 * 1024, 64 * 1024], [Infinity, 64 * 1024]] as const)
        expect(encodeEc2Response('DescribeInstances', output, value, 'rid', new XmlBytes(limit, size)).equals(expected)).toBe(true);
    }
  });

  it('DescribeVolumes with its default sink, and an operation with no modelled output', () => {
    const output = ec2.operation('DescribeVolumes')!.output;
    const value = { Volumes: Array.from({ length: 300 }, (_, i) => ({ VolumeId: `vol-${i}`, Size: i, CreateTime: new Date(i * 1000), Attachments: [], Tags: [{ Key: ODD[i % ODD.length], Value: 'x' }] })) };
    const text = structEncoder(EC2, output)(value);
    const bytes = encodeEc2Response('DescribeVolumes', output, value, 'rid');
    const whole = `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>rid</requestId>${text}</DescribeVolumesResponse>`;
    expect(bytes.length).toBeGreaterThan(16 * 1024); // flushed at least once
    expect(bytes.equals(Buffer.from(whole))).toBe(true);
    expect(encodeEc2Response('DeleteVolume', ec2.operation('DeleteVolume')!.output, {}, 'rid').toString()).toContain('<return>true</return></DeleteVolumeResponse>');
  });

  it('DescribeInstances with instances given as encoded fragments: the same bytes as from the values', () => {
    const output = ec2.operation('DescribeInstances')!.output;
    const instanceShape = output.getMemberSchema('Reservations').getValueSchema().getMemberSchema('Instances').getValueSchema();
    const encodeInstance = structEncoder(EC2, instanceShape);
    for (const n of [1, 50, 400]) {
      const value = describeInstances(n);
      const expected = encodeEc2Response('DescribeInstances', output, value, 'rid', new XmlBytes(Infinity));
      // Every other instance as a fragment, as a list answer mixes cached and fresh ones.
      const mixed = { ...value, Reservations: value.Reservations.map((r) => ({ ...r, Instances: r.Instances.map((i, k) => (k % 2 === 0 ? new XmlFragment(encodeInstance(i)) : i)) })) };
      for (const [limit, size] of [[0, 1], [100, 1024], [16 * 1024, 64 * 1024], [Infinity, 64 * 1024]] as const)
        expect(encodeEc2Response('DescribeInstances', output, mixed, 'rid', new XmlBytes(limit, size)).equals(expected)).toBe(true);
      // A sink that builds one string takes the fragment's text (a lone surrogate as U+FFFD, as it is sent).
      expect(Buffer.from(structEncoder(EC2, output)(mixed)).equals(Buffer.from(structEncoder(EC2, output)(value)))).toBe(true);
    }
  });

  it('awsQuery (ELB): flattened and wrapped lists alike', () => {
    const elb = serviceModel('@aws-sdk/client-elastic-load-balancing');
    const output = elb.operation('DescribeLoadBalancers')!.output;
    const value = {
      LoadBalancerDescriptions: Array.from({ length: 120 }, (_, i) => ({
        LoadBalancerName: `lb-${i}${ODD[i % ODD.length]}`,
        CreatedTime: new Date(i),
        Instances: [{ InstanceId: `i-${i}` }],
        AvailabilityZones: ['us-east-1a', ODD[i % ODD.length]],
        ListenerDescriptions: [],
      })),
    };
    const one = encodeQueryResponse('DescribeLoadBalancers', 'urn:x', output, value, 'rid', new XmlBytes(Infinity));
    for (const limit of [0, 500]) expect(encodeQueryResponse('DescribeLoadBalancers', 'urn:x', output, value, 'rid', new XmlBytes(limit, 8)).equals(one)).toBe(true);
    expect(one.toString()).toContain('<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>');
  });
});
