/**
 * Route tables as an installer builds them: CreateRouteTable (with its `local` route),
 * AssociateRouteTable (one explicit table per subnet), DisassociateRouteTable,
 * ReplaceRouteTableAssociation (also moves the VPC's main association), DeleteRouteTable
 * (DependencyViolation while main or associated).
 */
import type {
  AssociateRouteTableRequest,
  AssociateRouteTableResult,
  CreateRouteTableRequest,
  CreateRouteTableResult,
  DeleteRouteTableRequest,
  DisassociateRouteTableRequest,
  ReplaceRouteTableAssociationRequest,
  ReplaceRouteTableAssociationResult,
} from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { op, type Ec2Context } from '../shared/context.js';
import { checkDryRun, tagsFor } from './common.js';
import { patch, type RouteTableData } from './records.js';
import { createMainRouteTable, renderRouteTable, requireTable, routeTables } from './route-tables.js';
import { requireSubnet } from './subnets.js';
import { requireVpc } from './vpcs.js';

type TableRecord = ResourceRecord<RouteTableData>;

/** The table holding an association id, and whether it is the main one. */
function findAssociation(ctx: Ec2Context, associationId: string): { table: TableRecord; main: boolean } {
  for (const t of routeTables(ctx).list({ region: ctx.region })) {
    if (t.data.main && t.data.associationId === associationId) return { table: t, main: true };
    if (t.data.subnetAssociations.some((a) => a.associationId === associationId)) return { table: t, main: false };
  }
  throw ec2Error('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
}

function createRouteTable(input: CreateRouteTableRequest, ctx: Ec2Context): CreateRouteTableResult {
  const tags = tagsFor(input.TagSpecifications, 'route-table', ['route-table']);
  const vpc = requireVpc(ctx, input.VpcId);
  checkDryRun(input);
  const t = createMainRouteTable(ctx, vpc.id, vpc.data.cidrBlock, tags, false);
  ctx.touch(t.id);
  return { RouteTable: renderRouteTable(ctx, t), ClientToken: input.ClientToken };
}

function deleteRouteTable(input: DeleteRouteTableRequest, ctx: Ec2Context): object {
  const t = requireTable(ctx, input.RouteTableId);
  if (t.data.main || t.data.subnetAssociations.length > 0) throw ec2Error('DependencyViolation', `The routeTable '${t.id}' has dependencies and cannot be deleted.`);
  checkDryRun(input);
  routeTables(ctx).delete(t.id);
  return {};
}

function associateRouteTable(input: AssociateRouteTableRequest, ctx: Ec2Context): AssociateRouteTableResult {
  if (input.GatewayId !== undefined) throw Ec2Errors.invalidParameterValue('Edge associations (GatewayId) are not emulated by fauxcloud; associate a subnet.');
  const t = requireTable(ctx, input.RouteTableId);
  const s = requireSubnet(ctx, input.SubnetId);
  if (s.data.vpcId !== t.data.vpcId) throw Ec2Errors.invalidParameterValue(`Route table ${t.id} and subnet ${s.id} belong to different networks`);
  if (routeTables(ctx).peekChildren(t.data.vpcId).some((o) => o.data.subnetAssociations.some((a) => a.subnetId === s.id)))
    throw ec2Error('Resource.AlreadyAssociated', `the specified association for route table ${t.id} conflicts with an existing association`);
  checkDryRun(input);
  const associationId = ctx.newId('rtbassoc');
  patch(t, { subnetAssociations: [...t.data.subnetAssociations, { associationId, subnetId: s.id }] });
  return { AssociationId: associationId, AssociationState: { State: 'associated' } };
}

function disassociateRouteTable(input: DisassociateRouteTableRequest, ctx: Ec2Context): object {
  if (!input.AssociationId) throw Ec2Errors.missingParameter('AssociationId');
  const { table, main } = findAssociation(ctx, input.AssociationId);
  if (main) throw Ec2Errors.invalidParameterValue(`cannot disassociate the main route table association ${input.AssociationId}`);
  checkDryRun(input);
  patch(table, { subnetAssociations: table.data.subnetAssociations.filter((a) => a.associationId !== input.AssociationId) });
  return {};
}

function replaceRouteTableAssociation(input: ReplaceRouteTableAssociationRequest, ctx: Ec2Context): ReplaceRouteTableAssociationResult {
  if (!input.AssociationId) throw Ec2Errors.missingParameter('AssociationId');
  const target = requireTable(ctx, input.RouteTableId);
  const { table, main } = findAssociation(ctx, input.AssociationId);
  if (table.data.vpcId !== target.data.vpcId) throw Ec2Errors.invalidParameterValue(`Route table ${target.id} and association ${input.AssociationId} belong to different networks`);
  checkDryRun(input);
  const associationId = ctx.newId('rtbassoc');
  if (main) {
    // The VPC's main table changes: subnets without an explicit association follow it.
    patch(table, { main: false });
    patch(target, { main: true, associationId });
  } else {
    const subnetId = table.data.subnetAssociations.find((a) => a.associationId === input.AssociationId)!.subnetId;
    patch(table, { subnetAssociations: table.data.subnetAssociations.filter((a) => a.associationId !== input.AssociationId) });
    patch(target, { subnetAssociations: [...target.data.subnetAssociations, { associationId, subnetId }] });
  }
  return { NewAssociationId: associationId, AssociationState: { State: 'associated' } };
}

export const routeTableAssociationOperations = {
  CreateRouteTable: op(createRouteTable),
  DeleteRouteTable: op(deleteRouteTable),
  AssociateRouteTable: op(associateRouteTable),
  DisassociateRouteTable: op(disassociateRouteTable),
  ReplaceRouteTableAssociation: op(replaceRouteTableAssociation),
};
