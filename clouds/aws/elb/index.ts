/** Classic Elastic Load Balancing as one AWS service definition. */
import type { AwsService } from '../serve.js';
import { classicOperations } from './classic.js';
import { classicPolicyOperations } from './classic-policies.js';

export const elbService: AwsService = {
  name: 'elasticloadbalancing',
  protocol: 'query',
  modelPackage: '@aws-sdk/client-elastic-load-balancing',
  xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/',
  operations: { ...classicOperations, ...classicPolicyOperations },
};
