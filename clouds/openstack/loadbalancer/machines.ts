/** Octavia's provisioning states on the lifecycle engine (filled in with the load balancer API). */
import type { Engine } from '../../../core/engine.js';

export function defineLoadBalancerMachines(engine: Engine): void {
  void engine;
}
