/** CreateTags, DeleteTags, DescribeTags across every taggable EC2 resource fauxcloud keeps. */
import type { CreateTagsRequest, DeleteTagsRequest, DescribeTagsRequest, DescribeTagsResult, TagDescription } from '@aws-sdk/client-ec2';
import type { Collection, ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { asRows, checkDryRun, filterRecords, pageOf, validateTags } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { T } from './records.js';

/** Id prefix → store type, wire resource type, and the not-found error EC2 gives for it. */
const TAGGABLE: ReadonlyArray<{ prefix: string; type: string; resourceType: string; notFound: (id: string) => Error }> = [
  { prefix: 'vol-', type: T.volume, resourceType: 'volume', notFound: (id) => Ec2Errors.volumeNotFound([id]) },
  { prefix: 'i-', type: T.instance, resourceType: 'instance', notFound: (id) => Ec2Errors.instanceNotFound([id]) },
  { prefix: 'vpc-', type: T.vpc, resourceType: 'vpc', notFound: (id) => Ec2Errors.vpcNotFound(id) },
  { prefix: 'subnet-', type: T.subnet, resourceType: 'subnet', notFound: (id) => Ec2Errors.subnetNotFound(id) },
  { prefix: 'snap-', type: T.snapshot, resourceType: 'snapshot', notFound: (id) => Ec2Errors.snapshotNotFound(id) },
  { prefix: 'sg-', type: T.securityGroup, resourceType: 'security-group', notFound: (id) => ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`) },
  { prefix: 'rtb-', type: T.routeTable, resourceType: 'route-table', notFound: (id) => ec2Error('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`) },
  { prefix: 'igw-', type: T.internetGateway, resourceType: 'internet-gateway', notFound: (id) => ec2Error('InvalidInternetGatewayID.NotFound', `The internetGateway ID '${id}' does not exist`) },
  { prefix: 'nat-', type: T.natGateway, resourceType: 'natgateway', notFound: (id) => ec2Error('NatGatewayNotFound', `The Nat Gateway ${id} was not found`) },
  { prefix: 'eipalloc-', type: T.address, resourceType: 'elastic-ip', notFound: (id) => ec2Error('InvalidAllocationID.NotFound', `The allocation ID '${id}' does not exist`) },
];

function resolve(ctx: Ec2Context, id: string): { collection: Collection<unknown>; record: ResourceRecord } {
  const kind = TAGGABLE.find((k) => id.startsWith(k.prefix));
  if (!kind) throw Ec2Errors.invalidParameterValue(`Invalid id: "${id}"`);
  const collection = ctx.tenant.collection<unknown>(kind.type);
  const record = collection.peek(id);
  if (!record || record.region !== ctx.region) throw kind.notFound(id);
  return { collection, record };
}

function createTags(input: CreateTagsRequest, ctx: Ec2Context): object {
  const ids = input.Resources ?? [];
  if (ids.length === 0) throw Ec2Errors.missingParameter('ResourceId');
  if (!input.Tags?.length) throw Ec2Errors.missingParameter('Tag');
  const tags = validateTags(input.Tags);
  const targets = ids.map((id) => resolve(ctx, id));
  for (const t of targets)
    if (Object.keys({ ...t.record.tags, ...tags }).length > 50) throw Ec2Errors.invalidParameterValue(`The number of tags on resource ${t.record.id} exceeds the limit of 50`);
  checkDryRun(input);
  for (const t of targets) t.collection.setTags(t.record.id, tags);
  ctx.touch(...ids);
  return {};
}

function deleteTags(input: DeleteTagsRequest, ctx: Ec2Context): object {
  const ids = input.Resources ?? [];
  if (ids.length === 0) throw Ec2Errors.missingParameter('ResourceId');
  const targets = ids.map((id) => resolve(ctx, id));
  checkDryRun(input);
  for (const t of targets) {
    // No Tag.N means every tag; a tag without Value deletes the key whatever its value.
    const keys = input.Tags?.length
      ? input.Tags.map((tag) => ({ key: tag.Key ?? '', value: tag.Value }))
      : Object.keys(t.record.tags).map((key) => ({ key }));
    t.collection.removeTags(t.record.id, keys);
  }
  ctx.touch(...ids);
  return {};
}

function describeTags(input: DescribeTagsRequest, ctx: Ec2Context): DescribeTagsResult {
  checkDryRun(input);
  const tags: TagDescription[] = [];
  for (const kind of TAGGABLE)
    for (const r of ctx.tenant.collection<unknown>(kind.type).list({ region: ctx.region }))
      for (const [Key, Value] of Object.entries(r.tags)) tags.push({ Key, Value, ResourceId: r.id, ResourceType: kind.resourceType as TagDescription['ResourceType'] });
  tags.sort((a, b) => (a.ResourceId! < b.ResourceId! ? -1 : a.ResourceId! > b.ResourceId! ? 1 : a.Key! < b.Key! ? -1 : 1));
  const filtered = filterRecords(asRows(tags, (t) => `${t.ResourceId}:${t.Key}`), input.Filters, {
    fields: {
      key: (r) => r.data.Key,
      value: (r) => r.data.Value,
      'resource-id': (r) => r.data.ResourceId,
      'resource-type': (r) => r.data.ResourceType,
    },
  });
  const page = pageOf(filtered, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 1000, idsGiven: false, idsParam: '', query: input.Filters ?? [] });
  return { Tags: page.items.map((r) => r.data), NextToken: page.nextToken };
}

export const tagOperations = {
  CreateTags: op(createTags),
  DeleteTags: op(deleteTags),
  DescribeTags: op(describeTags),
};
