/**
 * What the OpenStack cloud keeps in the store. Keystone's world (domains, projects, users,
 * application credentials, tokens), the regions and Nova's flavors live in one cloud-wide tenant;
 * everything a project owns lives in the tenant named by the project id, as each OpenStack service
 * scopes its resources to the token's project.
 */

/** The cloud-wide tenant id (Keystone, regions, flavors, volume types). */
export const CLOUD_TENANT = '_cloud';

export const OS = {
  project: 'openstack.project',
  user: 'openstack.user',
  appCred: 'openstack.applicationCredential',
  trust: 'openstack.trust',
  token: 'openstack.token',
  region: 'openstack.region',
  flavor: 'openstack.flavor',
  volumeType: 'openstack.volumeType',
  quota: 'openstack.quota',
  server: 'openstack.server',
  volume: 'openstack.volume',
  snapshot: 'openstack.snapshot',
  backup: 'openstack.backup',
  network: 'openstack.network',
  subnet: 'openstack.subnet',
  port: 'openstack.port',
  router: 'openstack.router',
  floatingIp: 'openstack.floatingip',
  securityGroup: 'openstack.securityGroup',
  securityGroupRule: 'openstack.securityGroupRule',
  loadBalancer: 'openstack.loadbalancer',
  listener: 'openstack.listener',
  pool: 'openstack.pool',
  member: 'openstack.member',
  healthMonitor: 'openstack.healthmonitor',
} as const;

export interface RegionData {
  name: string;
  zones: string[];
}

export interface ProjectData {
  name: string;
  domainId: string;
  description: string;
}

export interface UserData {
  name: string;
  domainId: string;
  password: string;
  /** Project id → role names. */
  roles: Record<string, string[]>;
  groups: string[];
  defaultProjectId?: string;
}

export interface AppCredData {
  name: string;
  secret: string;
  userId: string;
  projectId: string;
  roles: string[];
}

/** A Keystone trust: the trustee may act in the trustor's project with these roles. */
export interface TrustData {
  trustorId: string;
  trusteeId: string;
  projectId: string;
  roles: string[];
  impersonation: boolean;
  expiresAt: number | null;
}

export interface TokenData {
  userId: string;
  projectId?: string;
  methods: string[];
  roles: string[];
  issuedAt: number;
  expiresAt: number;
  auditId: string;
  appCredId?: string;
  trustId?: string;
}

export interface FlavorData {
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  ephemeral: number;
  swap: number;
  extraSpecs: Record<string, string>;
}

export interface QuotaData {
  volumes: number;
  gigabytes: number;
  snapshots: number;
  servers: number;
}

export interface ServerData {
  name: string;
  zone: string;
  flavorId: string;
  imageId: string;
  status: 'ACTIVE' | 'SHUTOFF' | 'ERROR';
  metadata: Record<string, string>;
  tags: string[];
  userId: string;
  hostId: string;
  keyName: string | null;
  created: number;
  updated: number;
  launchedAt: number;
  securityGroups: string[];
}

export interface VolumeAttachment {
  attachmentId: string;
  serverId: string;
  device: string;
  attachedAt: number;
  /** Nova's device tag (2.49+): tagged devices appear in the metadata service's `devices`. */
  tag?: string;
}

export interface VolumeData {
  name: string | null;
  description: string | null;
  size: number;
  zone: string;
  volumeType: string;
  snapshotId: string | null;
  sourceVolid: string | null;
  backupId: string | null;
  metadata: Record<string, string>;
  multiattach: boolean;
  bootable: boolean;
  userId: string;
  attachments: VolumeAttachment[];
  created: number;
  updated: number;
  /** What the running transition does when it completes (attach to whom, grow to what). */
  pending?: { attach?: Omit<VolumeAttachment, 'attachedAt'>; detachServer?: string; newSize?: number; fail?: string };
}

export interface SnapshotData {
  name: string | null;
  description: string | null;
  volumeId: string;
  size: number;
  metadata: Record<string, string>;
  userId: string;
  created: number;
  updated: number;
  fail?: string;
}

/** Neutron resources carry their owner's project id (`tenant_id`/`project_id` on the wire). */
interface NeutronCommon {
  name: string;
  description: string;
  projectId: string;
  tags: string[];
  created: number;
  updated: number;
  revision: number;
}

export interface NetworkData extends NeutronCommon {
  adminStateUp: boolean;
  shared: boolean;
  external: boolean;
  mtu: number;
  networkType: string;
  segmentationId: number | null;
}

export interface SubnetData extends NeutronCommon {
  networkId: string;
  cidr: string;
  ipVersion: 4 | 6;
  gatewayIp: string | null;
  enableDhcp: boolean;
  allocationPools: Array<{ start: string; end: string }>;
  dnsNameservers: string[];
  hostRoutes: Array<{ destination: string; nexthop: string }>;
}

export interface FixedIp {
  subnetId: string;
  ipAddress: string;
}

export interface PortData extends NeutronCommon {
  networkId: string;
  macAddress: string;
  fixedIps: FixedIp[];
  deviceId: string;
  deviceOwner: string;
  status: 'ACTIVE' | 'DOWN' | 'BUILD';
  adminStateUp: boolean;
  securityGroups: string[];
  allowedAddressPairs: Array<{ ip_address: string; mac_address: string }>;
  portSecurityEnabled: boolean;
  hostId: string;
  trunkDetails?: { trunk_id: string; sub_ports: Array<{ port_id: string; segmentation_type: string; segmentation_id: number; mac_address: string }> };
}

export interface RouterData extends NeutronCommon {
  adminStateUp: boolean;
  status: 'ACTIVE';
  externalGateway: { networkId: string; enableSnat: boolean; fixedIps: FixedIp[] } | null;
  routes: Array<{ destination: string; nexthop: string }>;
}

export interface FloatingIpData extends NeutronCommon {
  floatingNetworkId: string;
  floatingIpAddress: string;
  portId: string | null;
  fixedIpAddress: string | null;
  routerId: string | null;
  /** The port on the external network that holds the address (owned by the cloud tenant). */
  holderPortId: string;
}

export interface SecurityGroupData extends NeutronCommon {
  stateful: boolean;
}

export interface SecurityGroupRuleData {
  projectId: string;
  securityGroupId: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  portRangeMin: number | null;
  portRangeMax: number | null;
  remoteIpPrefix: string | null;
  remoteGroupId: string | null;
  description: string;
  created: number;
  updated: number;
  revision: number;
}

/** Octavia: what every load-balancer object carries. Provisioning status of a load balancer is its lifecycle state. */
export interface OctaviaCommon {
  lbId: string;
  name: string;
  description: string;
  projectId: string;
  tags: string[];
  adminStateUp: boolean;
  provisioningStatus: string;
  operatingStatus: string;
  created: number;
  updated: number | null;
}

export interface LoadBalancerData extends Omit<OctaviaCommon, 'lbId' | 'provisioningStatus'> {
  vipSubnetId: string;
  vipNetworkId: string;
  vipAddress: string;
  vipPortId: string;
  provider: string;
  flavorId: string | null;
  availabilityZone: string | null;
  /** A `fail:` fault rule matched the running change: it ends in ERROR. */
  fail?: string;
}

export interface ListenerData extends OctaviaCommon {
  protocol: string;
  protocolPort: number;
  defaultPoolId: string | null;
  connectionLimit: number;
  allowedCidrs: string[];
  timeouts: { client_data: number; member_connect: number; member_data: number; tcp_inspect: number };
  insertHeaders: Record<string, string>;
  defaultTlsContainerRef: string | null;
}

export interface PoolData extends OctaviaCommon {
  listenerIds: string[];
  protocol: string;
  lbAlgorithm: string;
  sessionPersistence: Record<string, unknown> | null;
  healthMonitorId: string | null;
}

export interface MemberData extends OctaviaCommon {
  poolId: string;
  address: string;
  protocolPort: number;
  subnetId: string | null;
  monitorPort: number | null;
  monitorAddress: string | null;
  weight: number;
  backup: boolean;
}

export interface HealthMonitorData extends OctaviaCommon {
  poolId: string;
  type: string;
  delay: number;
  timeout: number;
  maxRetries: number;
  maxRetriesDown: number;
  urlPath: string;
  httpMethod: string;
  expectedCodes: string;
}

export interface BackupData {
  name: string | null;
  description: string | null;
  volumeId: string;
  snapshotId: string | null;
  size: number;
  zone: string;
  metadata: Record<string, string>;
  incremental: boolean;
  userId: string;
  created: number;
  updated: number;
  fail?: string;
}
