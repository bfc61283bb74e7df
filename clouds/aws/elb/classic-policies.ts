/**
 * Classic ELB attributes and policies. The CCM compares attributes with DeepEqual against what it
 * set, so each attribute group is stored and echoed exactly as it was given. Policies are per load
 * balancer; the predefined SSL negotiation policies can be referenced by name.
 */
import type {
  CreateLoadBalancerPolicyInput,
  DeleteLoadBalancerPolicyInput,
  DescribeEndPointStateInput,
  DescribeEndPointStateOutput,
  DescribeLoadBalancerAttributesInput,
  DescribeLoadBalancerAttributesOutput,
  DescribeLoadBalancerPoliciesInput,
  DescribeLoadBalancerPoliciesOutput,
  ModifyLoadBalancerAttributesInput,
  ModifyLoadBalancerAttributesOutput,
  PolicyDescription,
  SetLoadBalancerPoliciesForBackendServerInput,
  SetLoadBalancerPoliciesOfListenerInput,
} from '@aws-sdk/client-elastic-load-balancing';
import { CloudError } from '../../../core/errors.js';
import { T, type InstanceData } from '../ec2/records.js';
import { op, type AwsContext } from '../shared/context.js';
import { requireLb } from './classic.js';
import { instanceStep } from './health.js';
import type { ClassicPolicy } from './records.js';

const err = (code: string, message: string) => new CloudError(code, 400, message);

const POLICY_TYPES = new Set([
  'ProxyProtocolPolicyType',
  'SSLNegotiationPolicyType',
  'PublicKeyPolicyType',
  'BackendServerAuthenticationPolicyType',
  'LBCookieStickinessPolicyType',
  'AppCookieStickinessPolicyType',
]);

/** Predefined SSL negotiation policies AWS publishes (referenced by name, never created). */
const PREDEFINED: Readonly<Record<string, ClassicPolicy>> = Object.fromEntries(
  ['ELBSecurityPolicy-2016-08', 'ELBSecurityPolicy-TLS-1-1-2017-01', 'ELBSecurityPolicy-TLS-1-2-2017-01', 'ELBSample-ELBDefaultNegotiationPolicy'].map((n) => [
    n,
    { typeName: 'SSLNegotiationPolicyType', attributes: [{ name: 'Reference-Security-Policy', value: n === 'ELBSample-ELBDefaultNegotiationPolicy' ? 'ELBSecurityPolicy-2016-08' : n }] },
  ]),
);

function describeAttributes(input: DescribeLoadBalancerAttributesInput, ctx: AwsContext): DescribeLoadBalancerAttributesOutput {
  return { LoadBalancerAttributes: structuredClone(requireLb(ctx, input.LoadBalancerName).data.attributes) };
}

function modifyAttributes(input: ModifyLoadBalancerAttributesInput, ctx: AwsContext): ModifyLoadBalancerAttributesOutput {
  const lb = requireLb(ctx, input.LoadBalancerName);
  const a = input.LoadBalancerAttributes;
  if (!a) throw err('ValidationError', "1 validation error detected: Value null at 'loadBalancerAttributes' failed to satisfy constraint: Member must not be null");
  const idle = a.ConnectionSettings?.IdleTimeout;
  if (idle !== undefined && (idle < 1 || idle > 4000)) throw err('ValidationError', 'IdleTimeout must be between 1 and 4000 seconds');
  const drain = a.ConnectionDraining?.Timeout;
  if (drain !== undefined && (drain < 1 || drain > 3600)) throw err('ValidationError', 'ConnectionDraining Timeout must be between 1 and 3600 seconds');
  if (a.AccessLog?.Enabled && !a.AccessLog.S3BucketName) throw err('InvalidConfigurationRequest', 'An S3 bucket is required to enable access logs');
  // Each group given replaces the stored one whole; groups not given stay.
  for (const k of ['CrossZoneLoadBalancing', 'AccessLog', 'ConnectionDraining', 'ConnectionSettings', 'AdditionalAttributes'] as const)
    if (a[k] !== undefined) (lb.data.attributes as Record<string, unknown>)[k] = structuredClone(a[k]);
  return { LoadBalancerName: lb.data.name, LoadBalancerAttributes: structuredClone(a) };
}

function policyDescription(name: string, p: ClassicPolicy): PolicyDescription {
  return { PolicyName: name, PolicyTypeName: p.typeName, PolicyAttributeDescriptions: p.attributes.map((x) => ({ AttributeName: x.name, AttributeValue: x.value })) };
}

function describePolicies(input: DescribeLoadBalancerPoliciesInput, ctx: AwsContext): DescribeLoadBalancerPoliciesOutput {
  const names = input.PolicyNames ?? [];
  if (!input.LoadBalancerName) {
    const wanted = names.length ? names : Object.keys(PREDEFINED);
    return {
      PolicyDescriptions: wanted.map((n) => {
        const p = PREDEFINED[n];
        if (!p) throw err('PolicyNotFound', `There is no policy with name ${n}`);
        return policyDescription(n, p);
      }),
    };
  }
  const lb = requireLb(ctx, input.LoadBalancerName);
  const wanted = names.length ? names : Object.keys(lb.data.policies);
  return {
    PolicyDescriptions: wanted.map((n) => {
      const p = lb.data.policies[n] ?? PREDEFINED[n];
      if (!p) throw err('PolicyNotFound', `There is no policy with name ${n} for load balancer ${lb.data.name}`);
      return policyDescription(n, p);
    }),
  };
}

function createPolicy(input: CreateLoadBalancerPolicyInput, ctx: AwsContext): object {
  const lb = requireLb(ctx, input.LoadBalancerName);
  const name = input.PolicyName ?? '';
  if (!name) throw err('ValidationError', 'PolicyName is required');
  if (!POLICY_TYPES.has(input.PolicyTypeName ?? '')) throw err('PolicyTypeNotFound', `There is no policy type named ${input.PolicyTypeName ?? ''}`);
  if (lb.data.policies[name]) throw err('DuplicatePolicyName', `Policy ${name} already exists for load balancer ${lb.data.name}`);
  lb.data.policies[name] = { typeName: input.PolicyTypeName!, attributes: (input.PolicyAttributes ?? []).map((a) => ({ name: a.AttributeName ?? '', value: a.AttributeValue ?? '' })) };
  return {};
}

function deletePolicy(input: DeleteLoadBalancerPolicyInput, ctx: AwsContext): object {
  const lb = requireLb(ctx, input.LoadBalancerName);
  const name = input.PolicyName ?? '';
  const inUse = lb.data.listeners.some((l) => l.policyNames.includes(name)) || Object.values(lb.data.backendPolicies).some((p) => p.includes(name));
  if (inUse) throw err('InvalidConfigurationRequest', `Policy ${name} is in use and cannot be deleted`);
  delete lb.data.policies[name];
  return {};
}

function knownPolicies(lb: ReturnType<typeof requireLb>, names: readonly string[]): void {
  for (const n of names) if (!lb.data.policies[n] && !PREDEFINED[n]) throw err('PolicyNotFound', `There is no policy with name ${n} for load balancer ${lb.data.name}`);
}

function setListenerPolicies(input: SetLoadBalancerPoliciesOfListenerInput, ctx: AwsContext): object {
  const lb = requireLb(ctx, input.LoadBalancerName);
  const l = lb.data.listeners.find((x) => x.listener.LoadBalancerPort === input.LoadBalancerPort);
  if (!l) throw err('ListenerNotFound', `There is no listener on port ${input.LoadBalancerPort ?? ''} for load balancer ${lb.data.name}`);
  knownPolicies(lb, input.PolicyNames ?? []);
  l.policyNames = [...(input.PolicyNames ?? [])];
  return {};
}

function setBackendPolicies(input: SetLoadBalancerPoliciesForBackendServerInput, ctx: AwsContext): object {
  const lb = requireLb(ctx, input.LoadBalancerName);
  knownPolicies(lb, input.PolicyNames ?? []);
  const port = String(input.InstancePort ?? '');
  if (input.PolicyNames?.length) lb.data.backendPolicies[port] = [...input.PolicyNames];
  else delete lb.data.backendPolicies[port];
  return {};
}

/** Registered running instances are InService; others OutOfService, as a health check would find them. */
function describeInstanceHealth(input: DescribeEndPointStateInput, ctx: AwsContext): DescribeEndPointStateOutput {
  const lb = requireLb(ctx, input.LoadBalancerName);
  const ids = input.Instances?.length ? input.Instances.map((i) => i.InstanceId ?? '') : lb.data.instances;
  return {
    InstanceStates: ids.map((id) => {
      if (!lb.data.instances.includes(id)) throw err('InvalidInstance', `Could not find EC2 instance ${id}.`);
      const running = ctx.tenant.collection<InstanceData>(T.instance).peek(id)?.lc?.state === 'running';
      if (!running) return { InstanceId: id, State: 'OutOfService', ReasonCode: 'Instance', Description: 'Instance is in stopped state.' };
      // Registration runs the health check first: OutOfService until it passes (the lifecycle step).
      return instanceStep(ctx, lb.id, id) === 'OutOfService'
        ? { InstanceId: id, State: 'OutOfService', ReasonCode: 'ELB', Description: 'Instance registration is still in progress.' }
        : { InstanceId: id, State: 'InService', ReasonCode: 'N/A', Description: 'N/A' };
    }),
  };
}

export const classicPolicyOperations = {
  DescribeLoadBalancerAttributes: op(describeAttributes),
  ModifyLoadBalancerAttributes: op(modifyAttributes),
  DescribeLoadBalancerPolicies: op(describePolicies),
  CreateLoadBalancerPolicy: op(createPolicy),
  DeleteLoadBalancerPolicy: op(deletePolicy),
  SetLoadBalancerPoliciesOfListener: op(setListenerPolicies),
  SetLoadBalancerPoliciesForBackendServer: op(setBackendPolicies),
  DescribeInstanceHealth: op(describeInstanceHealth),
};
