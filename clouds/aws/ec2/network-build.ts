/** The operations that build a VPC's world through the API, one table so the service index changes by one line. */
import { addressOperations } from './addresses.js';
import { internetGatewayOperations } from './internet-gateways.js';
import { natGatewayOperations } from './nat-gateways.js';
import { routeTableAssociationOperations } from './route-table-associations.js';
import { securityGroupRuleOperations } from './security-group-rules.js';
import { subnetOperations } from './subnets.js';
import { vpcOperations } from './vpcs.js';

export const networkBuildOperations = {
  ...vpcOperations,
  ...subnetOperations,
  ...internetGatewayOperations,
  ...routeTableAssociationOperations,
  ...securityGroupRuleOperations,
  ...natGatewayOperations,
  ...addressOperations,
};
