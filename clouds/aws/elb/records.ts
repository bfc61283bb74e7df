/** What the store keeps for Elastic Load Balancing (classic and v2). */
import type { HealthCheck, Listener, LoadBalancerAttributes } from '@aws-sdk/client-elastic-load-balancing';

export const ELB = {
  classic: 'aws.elb.load-balancer',
  v2: 'aws.elbv2.load-balancer',
  listener: 'aws.elbv2.listener',
  targetGroup: 'aws.elbv2.target-group',
} as const;

export interface ClassicPolicy {
  typeName: string;
  attributes: Array<{ name: string; value: string }>;
}

export interface ClassicLoadBalancerData {
  name: string;
  scheme: 'internet-facing' | 'internal';
  dnsName: string;
  vpcId: string;
  subnets: string[];
  zones: string[];
  securityGroups: string[];
  listeners: Array<{ listener: Listener; policyNames: string[] }>;
  instances: string[];
  healthCheck: HealthCheck;
  attributes: LoadBalancerAttributes;
  policies: Record<string, ClassicPolicy>;
  backendPolicies: Record<string, string[]>;
  createdTime: string;
}

/** Regional hosted-zone ids AWS publishes for ELB DNS names (classic and ALB; NLB). */
export const HOSTED_ZONES: Readonly<Record<string, [string, string]>> = {
  'us-east-1': ['Z35SXDOTRQ7X7K', 'Z26RNL4JYFTOTI'],
  'us-east-2': ['Z3AADJGX6KTTL2', 'ZLMOA37VPKANP'],
  'us-west-1': ['Z368ELLRRE2KJ0', 'Z24FKFUX50B4VW'],
  'us-west-2': ['Z1H1FL5HABSF5', 'Z18D5FSROUN65G'],
  'eu-west-1': ['Z32O12XQLNTSW2', 'Z2IFOLAFXWLO4F'],
  'eu-central-1': ['Z215JYRZR1TBD5', 'Z3F0SRJ5LGBH90'],
  'ap-northeast-1': ['Z14GRHDCWA56QT', 'Z31USIVHYNEOWT'],
  'ap-southeast-1': ['Z1LMS91P8CMLE5', 'ZKVM4W9LS7TM'],
  'ap-southeast-2': ['Z1GM3OXH4ZPM65', 'ZCT6FZBF4DROD'],
};

export interface V2LoadBalancerData {
  name: string;
  type: 'network' | 'application' | 'gateway';
  scheme: 'internet-facing' | 'internal';
  dnsName: string;
  vpcId: string;
  subnets: Array<{ subnetId: string; zone: string; zoneId: string; allocationId?: string; privateIPv4Address?: string }>;
  securityGroups: string[];
  ipAddressType: string;
  attributes: Record<string, string>;
  createdTime: string;
}

export interface V2ListenerData {
  loadBalancerArn: string;
  port: number;
  protocol: string;
  sslPolicy?: string;
  certificates: Array<{ CertificateArn?: string }>;
  defaultActions: Array<{ Type?: string; TargetGroupArn?: string; Order?: number }>;
}

export interface V2TargetGroupData {
  name: string;
  protocol?: string;
  port?: number;
  vpcId?: string;
  targetType: string;
  healthCheck: {
    protocol?: string;
    port?: string;
    path?: string;
    enabled: boolean;
    intervalSeconds: number;
    timeoutSeconds: number;
    healthyThresholdCount: number;
    unhealthyThresholdCount: number;
  };
  targets: Array<{ id: string; port?: number }>;
  attributes: Record<string, string>;
}
