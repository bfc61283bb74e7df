/**
 * Route tables as the AWS CCM's route controller uses them: every VPC has a main table with its
 * `local` route; CreateRoute/DeleteRoute manage per-node pod CIDR routes to instances, which turn
 * `blackhole` when their instance is gone. A VPC with an internet gateway routes 0.0.0.0/0 to it.
 */
import type { CreateRouteRequest, CreateRouteResult, DeleteRouteRequest, ReplaceRouteRequest, DescribeRouteTablesRequest, DescribeRouteTablesResult, Route, RouteTable } from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { op, type AwsContext } from '../shared/context.js';
import { checkDryRun, describeQuery, filterRecords, pageOf, wireTags } from './common.js';
import { parseBlock } from './cidr.js';
import { ensureDefaultVpc } from './network.js';
import { patch, T, type InstanceData, type InternetGatewayData, type NatGatewayData, type RouteData, type RouteTableData } from './records.js';

type TableRecord = ResourceRecord<RouteTableData>;
export const routeTables = (ctx: AwsContext) => ctx.tenant.collection<RouteTableData>(T.routeTable);

export function createMainRouteTable(ctx: AwsContext, vpcId: string, cidrBlock: string, tags: Record<string, string>, main = true): TableRecord {
  return routeTables(ctx).insert({
    id: ctx.newId('rtb'),
    region: ctx.region,
    parent: vpcId,
    tags,
    data: { vpcId, main: main, associationId: ctx.newId('rtbassoc'), subnetAssociations: [], routes: [{ destinationCidrBlock: cidrBlock, gatewayId: 'local', origin: 'CreateRouteTable' }] },
  });
}

/** An internet gateway attached to the VPC, and the default route to it in the main table (default VPC, seeded VPCs). */
export function attachInternetGateway(ctx: AwsContext, vpcId: string, tags: Record<string, string>): string {
  const igw = ctx.tenant.collection<InternetGatewayData>(T.internetGateway).insert({ id: ctx.newId('igw'), region: ctx.region, tags, data: { vpcId } });
  const main = routeTables(ctx).list({ parent: vpcId }).find((t) => t.data.main);
  if (main) patch(main, { routes: [...main.data.routes, { destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id, origin: 'CreateRoute' }] });
  return igw.id;
}

/** A route whose target is gone (instance terminated, gateway detached or deleted) is a blackhole. */
function routeState(ctx: AwsContext, vpcId: string, r: RouteData): 'active' | 'blackhole' {
  if (r.gatewayId?.startsWith('igw-')) return ctx.tenant.collection<InternetGatewayData>(T.internetGateway).peek(r.gatewayId)?.data.vpcId === vpcId ? 'active' : 'blackhole';
  if (r.natGatewayId) {
    const state = ctx.tenant.collection(T.natGateway).peek(r.natGatewayId)?.lc?.state;
    return state === 'pending' || state === 'available' ? 'active' : 'blackhole';
  }
  if (!r.instanceId) return 'active';
  const inst = ctx.tenant.collection<InstanceData>(T.instance).peek(r.instanceId);
  const state = inst?.lc?.state;
  return !inst || state === 'terminated' || state === 'shutting-down' ? 'blackhole' : 'active';
}

function renderRoute(ctx: AwsContext, vpcId: string, r: RouteData): Route {
  return {
    DestinationCidrBlock: r.destinationCidrBlock,
    GatewayId: r.gatewayId,
    InstanceId: r.instanceId,
    InstanceOwnerId: r.instanceId ? ctx.account : undefined,
    NetworkInterfaceId: r.networkInterfaceId,
    NatGatewayId: r.natGatewayId,
    Origin: r.origin,
    State: routeState(ctx, vpcId, r),
  };
}

export function renderRouteTable(ctx: AwsContext, t: TableRecord): RouteTable {
  return {
    RouteTableId: t.id,
    VpcId: t.data.vpcId,
    OwnerId: ctx.account,
    Routes: t.data.routes.map((r) => renderRoute(ctx, t.data.vpcId, r)),
    Associations: [
      ...(t.data.main ? [{ Main: true, RouteTableAssociationId: t.data.associationId, RouteTableId: t.id, AssociationState: { State: 'associated' as const } }] : []),
      ...t.data.subnetAssociations.map((a) => ({ Main: false, RouteTableAssociationId: a.associationId, RouteTableId: t.id, SubnetId: a.subnetId, AssociationState: { State: 'associated' as const } })),
    ],
    PropagatingVgws: [],
    Tags: Object.keys(t.tags).length > 0 ? wireTags(t.tags) : undefined,
  };
}

export function requireTable(ctx: AwsContext, id: string | undefined): TableRecord {
  if (!id) throw Ec2Errors.missingParameter('RouteTableId');
  ctx.touch(id);
  const t = routeTables(ctx).get(id);
  if (!t || t.region !== ctx.region) throw ec2Error('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`);
  return t;
}

function describeRouteTables(input: DescribeRouteTablesRequest, ctx: AwsContext): DescribeRouteTablesResult {
  const ids = input.RouteTableIds ?? [];
  checkDryRun(input);
  ensureDefaultVpc(ctx);
  let found = routeTables(ctx).list(describeQuery(ctx, ids, input.Filters));
  const missing = ids.find((id) => !found.some((t) => t.id === id));
  if (missing !== undefined) throw ec2Error('InvalidRouteTableID.NotFound', `The routeTable ID '${missing}' does not exist`);
  found = filterRecords(found, input.Filters, {
    tags: true,
    fields: {
      'route-table-id': (t) => t.id,
      'vpc-id': (t) => t.data.vpcId,
      'association.main': (t) => t.data.main,
      'association.subnet-id': (t) => t.data.subnetAssociations.map((a) => a.subnetId),
      'association.route-table-association-id': (t) => [...(t.data.main ? [t.data.associationId] : []), ...t.data.subnetAssociations.map((a) => a.associationId)],
      'route.destination-cidr-block': (t) => t.data.routes.map((r) => r.destinationCidrBlock),
      'route.instance-id': (t) => t.data.routes.map((r) => r.instanceId).filter((x): x is string => x !== undefined),
      'route.gateway-id': (t) => t.data.routes.map((r) => r.gatewayId).filter((x): x is string => x !== undefined),
      'route.nat-gateway-id': (t) => t.data.routes.map((r) => r.natGatewayId).filter((x): x is string => x !== undefined),
      'route.state': (t) => t.data.routes.map((r) => routeState(ctx, t.data.vpcId, r)),
      'owner-id': () => ctx.account,
    },
  });
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 100, idsGiven: ids.length > 0, idsParam: 'routeTableId', query: input.Filters ?? [] });
  return { RouteTables: page.items.map((t) => renderRouteTable(ctx, t)), NextToken: page.nextToken };
}

/** The route a CreateRoute/ReplaceRoute call describes, its target checked against the table's VPC. */
function routeOf(input: CreateRouteRequest | ReplaceRouteRequest, ctx: AwsContext, t: TableRecord): RouteData {
  const cidr = input.DestinationCidrBlock;
  if (!cidr) throw Ec2Errors.missingParameter('DestinationCidrBlock');
  if (!parseBlock(cidr)) throw Ec2Errors.invalidParameterValue(`Value (${cidr}) for parameter destinationCidrBlock is invalid. This is not a valid IPv4 CIDR block.`);
  const targets = [input.InstanceId, input.GatewayId, input.NetworkInterfaceId, input.NatGatewayId].filter((x) => x !== undefined);
  if (targets.length !== 1) throw Ec2Errors.invalidParameterCombination('Exactly one of gatewayId, instanceId, natGatewayId or networkInterfaceId must be specified.');
  const apart = (target: string) => Ec2Errors.invalidParameterValue(`route table ${t.id} and network gateway ${target} belong to different networks`);
  const route: RouteData = { destinationCidrBlock: cidr, origin: 'CreateRoute' };
  if (input.GatewayId) {
    ctx.touch(input.GatewayId);
    if (input.GatewayId.startsWith('igw-')) {
      const igw = ctx.tenant.collection<InternetGatewayData>(T.internetGateway).get(input.GatewayId);
      if (!igw || igw.region !== ctx.region) throw ec2Error('InvalidInternetGatewayID.NotFound', `The internetGateway ID '${input.GatewayId}' does not exist`);
      if (igw.data.vpcId !== t.data.vpcId) throw apart(igw.id);
    } else throw ec2Error('InvalidGatewayID.NotFound', `The gateway ID '${input.GatewayId}' does not exist`);
    route.gatewayId = input.GatewayId;
  }
  if (input.NatGatewayId) {
    ctx.touch(input.NatGatewayId);
    const nat = ctx.tenant.collection<NatGatewayData>(T.natGateway).get(input.NatGatewayId);
    if (!nat || nat.region !== ctx.region || nat.lc?.state === 'deleted') throw ec2Error('NatGatewayNotFound', `The Nat Gateway ${input.NatGatewayId} was not found`);
    if (nat.data.vpcId !== t.data.vpcId) throw apart(nat.id);
    route.natGatewayId = nat.id;
  }
  if (input.InstanceId) {
    ctx.touch(input.InstanceId);
    const inst = ctx.tenant.collection<InstanceData>(T.instance).get(input.InstanceId);
    if (!inst || inst.region !== ctx.region) throw Ec2Errors.instanceNotFound([input.InstanceId]);
    if (inst.data.vpcId !== t.data.vpcId) throw Ec2Errors.invalidParameterValue(`Instance ${inst.id} is not in the same VPC as route table ${t.id}.`);
    route.instanceId = inst.id;
    route.networkInterfaceId = inst.data.eniId;
  }
  if (input.NetworkInterfaceId) {
    const inst = [...ctx.tenant.collection<InstanceData>(T.instance).all()].find((i) => i.data.eniId === input.NetworkInterfaceId && i.lc?.state !== 'terminated');
    if (!inst) throw ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${input.NetworkInterfaceId}' does not exist`);
    if (inst.data.vpcId !== t.data.vpcId) throw apart(input.NetworkInterfaceId);
    route.networkInterfaceId = input.NetworkInterfaceId;
  }
  return route;
}

function createRoute(input: CreateRouteRequest, ctx: AwsContext): CreateRouteResult {
  const t = requireTable(ctx, input.RouteTableId);
  const route = routeOf(input, ctx, t);
  if (t.data.routes.some((r) => r.destinationCidrBlock === route.destinationCidrBlock))
    throw ec2Error('RouteAlreadyExists', `The route identified by ${route.destinationCidrBlock} already exists.`);
  checkDryRun(input);
  patch(t, { routes: [...t.data.routes, route] });
  return { Return: true };
}

function replaceRoute(input: ReplaceRouteRequest, ctx: AwsContext): object {
  const t = requireTable(ctx, input.RouteTableId);
  const route = routeOf(input, ctx, t);
  const i = t.data.routes.findIndex((r) => r.destinationCidrBlock === route.destinationCidrBlock);
  if (i === -1) throw Ec2Errors.invalidParameterValue(`There is no route defined for '${route.destinationCidrBlock}' in the route table. Use CreateRoute instead.`);
  if (t.data.routes[i]!.gatewayId === 'local') throw Ec2Errors.invalidParameterValue(`cannot replace local route ${route.destinationCidrBlock} in route table ${t.id}`);
  checkDryRun(input);
  patch(t, { routes: t.data.routes.map((r, j) => (j === i ? route : r)) });
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
  patch(t, { routes: t.data.routes.filter((_, j) => j !== i) });
  return {};
}

export const routeTableOperations = {
  DescribeRouteTables: op(describeRouteTables),
  CreateRoute: op(createRoute),
  ReplaceRoute: op(replaceRoute),
  DeleteRoute: op(deleteRoute),
};
