/**
 * AWS: the EC2 query protocol, awsQuery (STS, ELB, ELBv2), awsJson (ECR, ECR Public, KMS) and
 * IMDS, with malformed parameters, numbers, lists, filters, targets, bodies and credentials.
 */
import { expect } from 'vitest';
import { clean, oversized, type FuzzGenerator, type FuzzRequest, type FuzzResponse, type Rng } from '../harness.js';

const EC2_ACTIONS = [
  'CreateVolume', 'DescribeVolumes', 'DeleteVolume', 'AttachVolume', 'DetachVolume', 'ModifyVolume', 'DescribeVolumesModifications', 'DescribeVolumeStatus',
  'DescribeInstances', 'RunInstances', 'TerminateInstances', 'StopInstances', 'StartInstances', 'CreateTags', 'DeleteTags', 'DescribeTags',
  'CreateSnapshot', 'DescribeSnapshots', 'DeleteSnapshot', 'CopyVolumes', 'DescribeAvailabilityZones', 'DescribeRegions', 'DescribeSubnets', 'DescribeVpcs',
  'DescribeSecurityGroups', 'CreateSecurityGroup', 'AuthorizeSecurityGroupIngress', 'DescribeInstanceTypes', 'DescribeRouteTables', 'CreateRoute', 'DeleteRoute',
  'DescribeNetworkInterfaces', 'ModifyInstanceAttribute', 'NoSuchAction', '', 'describevolumes',
];
const PARAMS = [
  'VolumeId', 'VolumeId.1', 'VolumeId.2', 'InstanceId', 'InstanceId.1', 'SnapshotId', 'SnapshotId.1', 'SubnetId.1', 'VpcId.1', 'GroupId.1', 'GroupName.1', 'ResourceId.1',
  'MaxResults', 'NextToken', 'Size', 'AvailabilityZone', 'AvailabilityZoneId', 'VolumeType', 'Iops', 'Throughput', 'Device', 'DryRun', 'ClientToken', 'Encrypted',
  'Tag.1.Key', 'Tag.1.Value', 'TagSpecification.1.ResourceType', 'TagSpecification.1.Tag.1.Key', 'TagSpecification.1.Tag.1.Value', 'MinCount', 'MaxCount', 'ImageId',
  'InstanceType', 'Filter', 'Filter.1', 'Filter.0.Name', 'Filter.-1.Value.1', 'Filter.1.Value', 'Filter.1.Value.x', 'Owner.1', 'RouteTableId', 'DestinationCidrBlock',
  'Nope', 'volumeId', 'Filter.1.Name.1',
];
const FILTER_NAMES = ['tag:Name', 'tag:kubernetes.io/cluster/fauxcloud', 'tag-key', 'tag-value', 'volume-id', 'instance-id', 'availability-zone', 'status', 'attachment.instance-id', 'instance-state-name', 'vpc-id', 'no-such-filter', ''];
const VALUES = ['vol-0123456789abcdef0', 'i-0123456789abcdef0', 'snap-01234567', 'us-east-1a', 'us-east-1z', 'gp3', 'io2', 'st1', '10', '16384', '/dev/xvdf', 'true', 'ami-12345678', 'ami-0fa0c10d000000001', 'm5.large'];
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'xx-none-1', '', 'us-east-1\u0000'];

function auth(rng: Rng, service: string): Record<string, string> {
  const region = rng.chance(0.8) ? 'us-east-1' : rng.pick(REGIONS);
  const key = rng.pick(['AKIDFAUXCLOUDTEST', '000000000000', '123456789012', '', 'AKID/with/slashes']);
  return rng.pick([
    { authorization: `AWS4-HMAC-SHA256 Credential=${key}/20261125/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=00` },
    { authorization: `AWS4-HMAC-SHA256 Credential=${key}/20261125/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=00` },
    { authorization: 'AWS4-HMAC-SHA256 Credential=' },
    { authorization: rng.nasty() },
    {},
  ]);
}

function value(rng: Rng): string {
  return rng.chance(0.5) ? rng.pick(VALUES) : rng.nasty();
}

function form(rng: Rng, action: string): URLSearchParams {
  const p = new URLSearchParams();
  if (rng.chance(0.95)) p.set('Action', action);
  if (rng.chance(0.9)) p.set('Version', rng.chance(0.9) ? '2016-11-15' : rng.nasty());
  for (let i = rng.int(6); i > 0; i--) p.append(rng.pick(PARAMS), value(rng));
  if (rng.chance(0.4))
    for (let f = 1 + rng.int(3); f > 0; f--) {
      p.set(`Filter.${f}.Name`, rng.pick(FILTER_NAMES));
      for (let v = 1 + rng.int(3); v > 0; v--) p.set(`Filter.${f}.Value.${v}`, rng.chance(0.5) ? rng.pick(['*', 'vol-*', '*a*a*a*a*b', 'node-?', '\\*', 'fauxcloud*']) : value(rng));
    }
  return p;
}

function ec2(rng: Rng): FuzzRequest {
  const body = form(rng, rng.pick(EC2_ACTIONS)).toString();
  const headers = { ...auth(rng, 'ec2'), 'content-type': rng.pick(['application/x-www-form-urlencoded; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain', 'application/json']) };
  if (rng.chance(0.15)) return { method: 'GET', path: `/?${body}`, headers };
  // A truncated or mangled body now and then: cut percent escapes, stray separators.
  const mangled = rng.chance(0.1) ? body.slice(0, rng.int(body.length + 1)) + rng.pick(['%', '%z', '&&', '=', '&=x']) : body;
  return { method: 'POST', path: '/', headers, body: mangled };
}

const QUERY_SERVICES: Array<[string, string, string[]]> = [
  ['sts', '2011-06-15', ['GetCallerIdentity', 'AssumeRole', 'AssumeRoleWithWebIdentity', 'Nope']],
  ['elasticloadbalancing', '2012-06-01', ['DescribeLoadBalancers', 'CreateLoadBalancer', 'DeleteLoadBalancer', 'ConfigureHealthCheck', 'DescribeTags', 'AddTags', 'Nope']],
  ['elasticloadbalancing', '2015-12-01', ['DescribeLoadBalancers', 'CreateLoadBalancer', 'CreateTargetGroup', 'DescribeTargetGroups', 'RegisterTargets', 'DescribeTargetHealth', 'CreateListener', 'Nope']],
];
const QUERY_PARAMS = ['RoleArn', 'RoleSessionName', 'DurationSeconds', 'WebIdentityToken', 'LoadBalancerName', 'LoadBalancerNames.member.1', 'Names.member.1', 'Listeners.member.1.Protocol', 'Listeners.member.1.LoadBalancerPort', 'Subnets.member.1', 'Tags.member.1.Key', 'Port', 'Protocol', 'VpcId', 'TargetGroupArn', 'Targets.member.1.Id', 'PageSize', 'Marker', 'Attributes.entry.1.key', 'Attributes.entry.1.value', 'Nope.member'];

function query(rng: Rng): FuzzRequest {
  const [service, version, actions] = rng.pick(QUERY_SERVICES);
  const p = new URLSearchParams({ Action: rng.pick(actions), Version: rng.chance(0.9) ? version : rng.nasty() });
  for (let i = rng.int(6); i > 0; i--) p.append(rng.pick(QUERY_PARAMS), rng.chance(0.3) ? rng.pick(['arn:aws:iam::000000000000:role/r', 'lb-1', '80', 'HTTP', '-1', '0x10']) : rng.nasty());
  return { method: 'POST', path: '/', headers: { ...auth(rng, service), 'content-type': 'application/x-www-form-urlencoded' }, body: p.toString() };
}

const JSON_TARGETS: Array<[string, string, string[]]> = [
  ['AmazonEC2ContainerRegistry_V20150921', 'ecr', ['GetAuthorizationToken', 'DescribeRepositories', 'CreateRepository', 'BatchGetImage', 'DescribeImages', 'Nope']],
  ['SpencerFrontendService', 'ecr-public', ['GetAuthorizationToken', 'DescribeRepositories', 'Nope']],
  ['TrentService', 'kms', ['ListKeys', 'DescribeKey', 'CreateKey', 'Encrypt', 'Decrypt', 'GenerateDataKey', 'ListAliases', 'Nope']],
];
const JSON_FIELDS = ['registryIds', 'repositoryNames', 'repositoryName', 'imageIds', 'KeyId', 'Plaintext', 'CiphertextBlob', 'Limit', 'Marker', 'KeySpec', 'NumberOfBytes', 'Description', 'Tags', 'maxResults', 'nextToken', '__proto__', 'constructor'];

function jsonValue(rng: Rng, depth = 0): unknown {
  const k = rng.int(depth > 3 ? 4 : 7);
  if (k === 0) return rng.nasty();
  if (k === 1) return rng.pick([0, -1, 1e308, 2 ** 53 + 1, 1.5, 32]);
  if (k === 2) return rng.pick([true, false, null]);
  if (k === 3) return 'alias/fauxcloud';
  if (k === 4) return Array.from({ length: rng.int(3) }, () => jsonValue(rng, depth + 1));
  return Object.fromEntries(Array.from({ length: rng.int(3) }, () => [rng.pick(JSON_FIELDS), jsonValue(rng, depth + 1)]));
}

function json(rng: Rng): FuzzRequest {
  const [prefix, service, ops] = rng.pick(JSON_TARGETS);
  const target = rng.pick([`${prefix}.${rng.pick(ops)}`, `${prefix}.${rng.pick(ops)}.extra`, prefix, `${prefix}.`, rng.nasty(), `.${rng.pick(ops)}`]);
  const body = rng.pick([
    () => JSON.stringify(Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(JSON_FIELDS), jsonValue(rng)]))),
    () => '{"a":',
    () => '[]',
    () => 'null',
    () => `${'['.repeat(2000)}${']'.repeat(2000)}`,
    () => '{"__proto__":{"polluted":true}}',
    () => '',
  ])();
  return { method: 'POST', path: '/', headers: { ...auth(rng, service), 'content-type': rng.pick(['application/x-amz-json-1.1', 'application/x-amz-json-1.0', 'text/plain']), 'x-amz-target': clean(target) }, body };
}

function imds(rng: Rng): FuzzRequest {
  const path = rng.pick(['/latest/api/token', '/latest/meta-data/', '/latest/meta-data/instance-id', '/latest/meta-data/placement/availability-zone', '/latest/dynamic/instance-identity/document', '/latest/user-data', '/latest/meta-data/../../etc', `/latest/meta-data/${rng.word()}`, '/latest', '/latest/meta-data/iam/security-credentials/']);
  const headers: Record<string, string> = {};
  if (rng.chance(0.5)) headers['x-aws-ec2-metadata-token-ttl-seconds'] = rng.pick(['21600', '0', '-1', '99999999', 'x']);
  if (rng.chance(0.4)) headers['x-aws-ec2-metadata-token'] = rng.pick(['', 'AQAEA-bogus', rng.word()]);
  if (rng.chance(0.3)) headers['x-fauxcloud-instance-id'] = rng.pick(['i-0123456789abcdef0', '', rng.word()]);
  return { method: rng.pick(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']), path, headers };
}

const EC2_ERROR = /^(?:<\?xml[^>]*>\s*)?<Response><Errors><Error><Code>[A-Za-z][\w.]*<\/Code><Message>[^<]*<\/Message><\/Error><\/Errors><RequestID>[^<]+<\/RequestID><\/Response>$/s;
const QUERY_ERROR = /^<ErrorResponse[^>]*><Error><Type>(?:Sender|Receiver)<\/Type><Code>[A-Za-z][\w.]*<\/Code><Message>[^<]*<\/Message><\/Error><RequestId>[^<]+<\/RequestId><\/ErrorResponse>$/s;
const XML_ANSWER = /^(?:<\?xml[^>]*>\s*)?<(\w+)Response xmlns="[^"]+">.*<\/\1Response>$/s;

function shape(req: FuzzRequest, res: FuzzResponse): string | undefined {
  if (req.path.startsWith('/latest')) return res.headers['content-type'] ? undefined : 'IMDS answered without a content type';
  if (res.status >= 400) {
    if (EC2_ERROR.test(res.text) || QUERY_ERROR.test(res.text)) return undefined;
    try {
      const b = JSON.parse(res.text) as Record<string, unknown>;
      if (typeof b['__type'] === 'string' && res.headers['x-amzn-errortype'] === b['__type']) return undefined;
    } catch {
      /* not JSON */
    }
    return 'not an AWS error (EC2 <Response><Errors>, awsQuery <ErrorResponse> or awsJson __type)';
  }
  if (XML_ANSWER.test(res.text)) return undefined;
  try {
    const b = JSON.parse(res.text) as unknown;
    if (b && typeof b === 'object' && !Array.isArray(b) && String(res.headers['content-type']).startsWith('application/x-amz-json-')) return undefined;
  } catch {
    /* not JSON */
  }
  return 'not an AWS answer';
}

const H = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', authorization: 'AWS4-HMAC-SHA256 Credential=AKIDFAUXCLOUDTEST/20261125/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=00' };
const ec2Form = (form: string): FuzzRequest => ({ method: 'POST', path: '/', headers: H, body: `Version=2016-11-15&${form}` });
const ec2Code = (code: string, status = 400) => (res: FuzzResponse) => {
  expect(res.status).toBe(status);
  expect(res.text).toMatch(EC2_ERROR);
  expect(res.text).toContain(`<Code>${code}</Code>`);
};
const LONG_TAG = 'a'.repeat(256);

export const generator: FuzzGenerator = {
  name: 'aws',
  requests: 2000,
  // The one 5xx this run may see: a rule that injects it.
  faults: [{ name: 'fuzz-injected', match: { cloud: 'aws', operation: 'DescribeRegions' }, error: 'InternalError' }],
  next(rng) {
    const r = rng.next();
    return r < 0.5 ? ec2(rng) : r < 0.68 ? query(rng) : r < 0.88 ? json(rng) : r < 0.96 ? imds(rng) : { method: rng.pick(['GET', 'POST', 'DELETE']), path: `/${clean(rng.word())}`, headers: auth(rng, 'ec2') };
  },
  shape,
  fixed: [
    { why: 'a body over the limit is RequestEntityTooLargeException (413), answered from Content-Length', request: oversized('POST', '/', H), check: ec2Code('RequestEntityTooLargeException', 413) },
    { why: 'PATCH on the EC2 endpoint is UnknownOperationException (404)', request: { ...ec2Form('Action=DescribeRegions'), method: 'PATCH' }, check: ec2Code('UnknownOperationException', 404) },
    { why: 'PROPFIND on the EC2 endpoint is UnknownOperationException (404)', request: { ...ec2Form('Action=DescribeRegions'), method: 'PROPFIND' }, check: ec2Code('UnknownOperationException', 404) },
    { why: 'Size must be a decimal integer', request: ec2Form('Action=CreateVolume&AvailabilityZone=us-east-1a&Size=0x10'), check: ec2Code('InvalidParameterValue') },
    { why: 'exponent notation is no integer either', request: ec2Form('Action=CreateVolume&AvailabilityZone=us-east-1a&Size=1e1'), check: ec2Code('InvalidParameterValue') },
    { why: 'MaxResults below the call\'s minimum', request: ec2Form('Action=DescribeInstances&MaxResults=1'), check: ec2Code('InvalidParameterValue') },
    { why: 'MaxResults beyond an Integer', request: ec2Form('Action=DescribeVolumes&MaxResults=2147483648'), check: ec2Code('InvalidParameterValue') },
    { why: 'a list parameter without its index', request: ec2Form('Action=DescribeVolumes&VolumeId=1'), check: ec2Code('UnknownParameter') },
    { why: 'an empty volume id', request: ec2Form('Action=DescribeVolumes&VolumeId.1='), check: ec2Code('InvalidVolumeID.Malformed') },
    { why: 'an empty subnet id', request: ec2Form('Action=DescribeSubnets&SubnetId.1='), check: ec2Code('InvalidSubnetID.NotFound') },
    { why: 'an empty group id', request: ec2Form('Action=DescribeSecurityGroups&GroupId.1='), check: ec2Code('InvalidGroup.NotFound') },
    { why: 'a group description over 255 characters', request: ec2Form(`Action=CreateSecurityGroup&GroupName=fz&GroupDescription=${'d'.repeat(256)}`), check: ec2Code('InvalidParameterValue') },
    {
      why: 'more than 200 filter values',
      request: ec2Form(`Action=DescribeVolumes&Filter.1.Name=volume-id&${Array.from({ length: 201 }, (_, i) => `Filter.1.Value.${i + 1}=vol-${i}`).join('&')}`),
      check: (res) => {
        ec2Code('FilterLimitExceeded')(res);
        expect(res.text).toContain('The maximum number of filter values specified on a single call is 200');
      },
    },
    {
      why: 'a filter value longer than 255 characters',
      request: ec2Form(`Action=DescribeVolumes&Filter.1.Name=tag:k&Filter.1.Value.1=${'a'.repeat(256)}`),
      check: (res) => {
        ec2Code('FilterLimitExceeded')(res);
        expect(res.text).toContain('The maximum length for a filter value is 255 characters');
      },
    },
    {
      why: 'an awsJson target with extra parts',
      request: { method: 'POST', path: '/', headers: { ...H, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken.extra' }, body: '{}' },
      check: (res) => {
        expect(res.status).toBe(400);
        expect(JSON.parse(res.text)).toMatchObject({ __type: 'UnknownOperationException' });
      },
    },
  ],
  redos: [
    {
      why: 'EC2 tag filter, 100 stars against a 256-character tag (was 58 s for 5 stars on 200)',
      setup: [ec2Form(`Action=CreateVolume&AvailabilityZone=us-east-1a&Size=1&TagSpecification.1.ResourceType=volume&TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=${LONG_TAG}`)],
      plain: ec2Form(`Action=DescribeVolumes&Filter.1.Name=tag:k&Filter.1.Value.1=${'a'.repeat(201)}`),
      hostile: ec2Form(`Action=DescribeVolumes&Filter.1.Name=tag:k&Filter.1.Value.1=${encodeURIComponent(`${'*a'.repeat(100)}b`)}`),
    },
    {
      why: 'EC2 tag-value filter with ? and * runs',
      plain: ec2Form(`Action=DescribeVolumes&Filter.1.Name=tag-value&Filter.1.Value.1=${'a'.repeat(250)}`),
      hostile: ec2Form(`Action=DescribeVolumes&Filter.1.Name=tag-value&Filter.1.Value.1=${encodeURIComponent(`${'?*'.repeat(120)}b`)}`),
    },
  ],
};
