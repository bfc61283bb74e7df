/** Elastic Load Balancing v2 as one AWS service definition, and its load balancer state machine. */
import type { Engine } from '../../../core/engine.js';
import { defineHealthMachines } from '../elb/health.js';
import { ELB } from '../elb/records.js';
import type { AwsService } from '../serve.js';
import { listenerOperations } from './listeners.js';
import { v2LoadBalancerOperations } from './load-balancers.js';
import { targetGroupOperations } from './target-groups.js';

export const elbv2Service: AwsService = {
  name: 'elasticloadbalancingv2',
  protocol: 'query',
  modelPackage: '@aws-sdk/client-elastic-load-balancing-v2',
  xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  operations: { ...v2LoadBalancerOperations, ...targetGroupOperations, ...listenerOperations },
};

/** New load balancers provision before they are active (a scenario can make that take minutes). */
export function defineElbv2Machines(engine: Engine): void {
  engine.lifecycle.define({ type: ELB.v2, auto: { provisioning: 'active' } });
  // Target and classic instance health (both load balancer generations) on the same engine.
  defineHealthMachines(engine);
}
