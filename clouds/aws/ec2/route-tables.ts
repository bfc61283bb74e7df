/**
 * Route tables as the AWS CCM's route controller uses them: every VPC has a main table with its
 * `local` route; CreateRoute/DeleteRoute manage per-node pod CIDR routes to instances, which turn
 * `blackhole` when their instance is gone. A VPC with an internet gateway routes 0.0.0.0/0 to it.
 */
import type { CreateRouteRequest, DeleteRouteRequest, DescribeRouteTablesRequest, DescribeRouteTablesResult, Route, RouteTable } from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { op, type AwsContext } from '../shared/context.js';
import { checkDryRun, describeQuery, filterRecords, pageOf, wireTags } from './common.js';
import { T, type InstanceData, type RouteData, type RouteTableData } from './records.js';

type TableRecord = ResourceRecord<RouteTableData>;
export const routeTables = (ctx: AwsContext) => ctx.tenant.collection<RouteTableData>(T.routeTable);

export function createMainRouteTable(ctx: AwsContext, vpcId: string, cidrBlock: string, tags: Record<string, string>): TableRecord {
  return routeTables(ctx).insert({
    id: ctx.newId('rtb'),
    region: ctx.region,
    parent: vpcId,
    tags,
    data: { vpcId, main: true, associationId: ctx.newId('rtbassoc'), subnetIds: [], routes: [{ destinationCidrBlock: cidrBlock, gatewayId: 'local', origin: 'CreateRouteTable' }] },
  });
}

/** An internet gateway attached to the VPC, and the default route to it in the main table. */
export function attachInternetGateway(ctx: AwsContext, vpcId: string, tags: Record<string, string>): string {
  const igw = ctx.tenant.collection(T.internetGateway).insert({ id: ctx.newId('igw'), region: ctx.region, parent: vpcId, tags, data: { vpcId } });
  const main = routeTables(ctx).list({ parent: vpcId }).find((t) => t.data.main);
  main?.data.routes.push({ destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id, origin: 'CreateRoute' });
  return igw.id;
}

function routeState(ctx: AwsContext, r: RouteData): 'active' | 'blackhole' {
  if (!r.instanceId) return 'active';
  const inst = ctx.tenant.collection<InstanceData>(T.instance).peek(r.instanceId);
  const state = inst?.lc?.state;
  return !inst || state === 'terminated' || state === 'shutting-down' ? 'blackhole' : 'active';
}

function renderRoute(ctx: AwsContext, r: RouteData): Route {
  return {
    DestinationCidrBlock: r.destinationCidrBlock,
    GatewayId: r.gatewayId,
    InstanceId: r.instanceId,
    InstanceOwnerId: r.instanceId ? ctx.account : undefined,
    NetworkInterfaceId: r.networkInterfaceId,
    Origin: r.origin,
    State: routeState(ctx, r),
  };
}

function render(ctx: AwsContext, t: TableRecord): RouteTable {
  return {
    RouteTableId: t.id,
    VpcId: t.data.vpcId,
    OwnerId: ctx.account,
    Routes: t.data.routes.map((r) => renderRoute(ctx, r)),
    Associations: [
      ...(t.data.main ? [{ Main: true, RouteTableAssociationId: t.data.associationId, RouteTableId: t.id, AssociationState: { State: 'associated' as const } }] : []),
      ...t.data.subnetIds.map((s, i) => ({ Main: false, RouteTableAssociationId: `${t.data.associationId}${i}`, RouteTableId: t.id, SubnetId: s, AssociationState: { State: 'associated' as const } })),
    ],
    PropagatingVgws: [],
    Tags: Object.keys(t.tags).length > 0 ? wireTags(t.tags) : undefined,
  };
}

function requireTable(ctx: AwsContext, id: string | undefined): TableRecord {
  if (!id) throw Ec2Errors.missingParameter('RouteTableId');
  ctx.touch(id);
  const t = routeTables(ctx).get(id);
  if (!t || t.region !== ctx.region) throw ec2Error('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`);
  return t;
}

function describeRouteTables(input: DescribeRouteTablesRequest, ctx: AwsContext): DescribeRouteTablesResult {
  const ids = input.RouteTableIds ?? [];
  checkDryRun(input);
  let found = routeTables(ctx).list(describeQuery(ctx, ids, input.Filters));
  const missing = ids.find((id) => !found.some((t) => t.id === id));
  if (missing !== undefined) throw ec2Error('InvalidRouteTableID.NotFound', `The routeTable ID '${missing}' does not exist`);
  found = filterRecords(found, input.Filters, {
    tags: true,
    fields: {
      'route-table-id': (t) => t.id,
      'vpc-id': (t) => t.data.vpcId,
      'association.main': (t) => t.data.main,
      'association.subnet-id': (t) => t.data.subnetIds,
      'association.route-table-association-id': (t) => t.data.associationId,
      'route.destination-cidr-block': (t) => t.data.routes.map((r) => r.destinationCidrBlock),
      'route.instance-id': (t) => t.data.routes.map((r) => r.instanceId).filter((x): x is string => x !== undefined),
      'route.gateway-id': (t) => t.data.routes.map((r) => r.gatewayId).filter((x): x is string => x !== undefined),
      'route.state': (t) => t.data.routes.map((r) => routeState(ctx, r)),
      'owner-id': () => ctx.account,
    },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 100, idsGiven: ids.length > 0, idsParam: 'routeTableId', query: input.Filters ?? [] });
  return { RouteTables: page.items.map((t) => render(ctx, t)), NextToken: page.nextToken };
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d|[12]\d|3[0-2])$/;

function createRoute(input: CreateRouteRequest, ctx: AwsContext): object {
  const t = requireTable(ctx, input.RouteTableId);
  const cidr = input.DestinationCidrBlock;
  if (!cidr) throw Ec2Errors.missingParameter('DestinationCidrBlock');
  if (!CIDR.test(cidr)) throw Ec2Errors.invalidParameterValue(`Value (${cidr}) for parameter destinationCidrBlock is invalid. This is not a valid IPv4 CIDR block.`);
  const targets = [input.InstanceId, input.GatewayId, input.NetworkInterfaceId].filter((x) => x !== undefined);
  if (targets.length !== 1) throw Ec2Errors.invalidParameterCombination('Exactly one of gatewayId, instanceId or networkInterfaceId must be specified.');
  let route: RouteData = { destinationCidrBlock: cidr, origin: 'CreateRoute', gatewayId: input.GatewayId };
  if (input.InstanceId) {
    ctx.touch(input.InstanceId);
    const inst = ctx.tenant.collection<InstanceData>(T.instance).get(input.InstanceId);
    if (!inst || inst.region !== ctx.region) throw Ec2Errors.instanceNotFound([input.InstanceId]);
    if (inst.data.vpcId !== t.data.vpcId) throw Ec2Errors.invalidParameterValue(`Instance ${inst.id} is not in the same VPC as route table ${t.id}.`);
    route = { ...route, instanceId: inst.id, networkInterfaceId: inst.data.eniId };
  }
  if (t.data.routes.some((r) => r.destinationCidrBlock === cidr))
    throw ec2Error('RouteAlreadyExists', `The route identified by ${cidr} already exists.`);
  checkDryRun(input);
  t.data.routes.push(route);
  return {};
}

function deleteRoute(input: DeleteRouteRequest, ctx: AwsContext): object {
  const t = requireTable(ctx, input.RouteTableId);
  const cidr = input.DestinationCidrBlock;
  if (!cidr) throw Ec2Errors.missingParameter('DestinationCidrBlock');
  const i = t.data.routes.findIndex((r) => r.destinationCidrBlock === cidr);
  if (i === -1) throw ec2Error('InvalidRoute.NotFound', `no route with destination-cidr-block ${cidr} in route table ${t.id}`);
  if (t.data.routes[i]!.gatewayId === 'local') throw ec2Error('InvalidParameterValue', `cannot remove local route ${cidr} in route table ${t.id}`);
  checkDryRun(input);
  t.data.routes.splice(i, 1);
  return {};
}

export const routeTableOperations = {
  DescribeRouteTables: op(describeRouteTables),
  CreateRoute: op(createRoute),
  DeleteRoute: op(deleteRoute),
};
