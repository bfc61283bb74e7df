/**
 * The instance metadata service (IMDS) as an instance sees it: the IMDSv2 token flow, the
 * `meta-data` tree and the identity document. Answers are plain text or JSON, never EC2 XML.
 */
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { BY_INSTANCE, T, type AttachmentData, type InstanceData, type SubnetData, type VpcData } from '../ec2/records.js';

export interface ImdsInstance {
  tenant: TenantStore;
  record: ResourceRecord<InstanceData>;
}

export interface ImdsReply {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

const text = (body: string, status = 200): ImdsReply => ({ status, body, contentType: 'text/plain' });
export const NOT_FOUND: ImdsReply = {
  status: 404,
  contentType: 'text/html',
  body: '<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html>\n<html><head><title>404 - Not Found</title></head><body><h1>404 - Not Found</h1></body></html>\n',
};

/** The instance an IMDS request speaks for: by id, or the first running instance of the default tenant. */
export function findImdsInstance(engine: Engine, instanceId: string | undefined, fallbackTenant: string): ImdsInstance | undefined {
  if (instanceId) {
    for (const t of engine.store.tenants()) {
      if (t.cloud !== 'aws') continue;
      const record = t.collection<InstanceData>(T.instance).peek(instanceId);
      if (record) return { tenant: t, record };
    }
    return undefined;
  }
  const tenant = engine.store.tenant('aws', fallbackTenant);
  const record = [...tenant.collection<InstanceData>(T.instance).all()].find((r) => r.lc?.state === 'running');
  return record ? { tenant, record } : undefined;
}

/** The `meta-data` tree for one instance: leaf → value, directory → listing (built per request; small). */
function metadataTree(inst: ImdsInstance): Map<string, string> {
  const { record: r, tenant } = inst;
  const d = r.data;
  const subnet = d.subnetId ? tenant.collection<SubnetData>(T.subnet).peek(d.subnetId) : undefined;
  const vpc = d.vpcId ? tenant.collection<VpcData>(T.vpc).peek(d.vpcId) : undefined;
  const launchDevices = tenant.collection<AttachmentData>(T.attachment).lookup(BY_INSTANCE, r.id).filter((a) => a.data.atLaunch);
  const region = r.region ?? '';
  const mac = d.macAddress;
  const leaves: Record<string, string> = {
    'ami-id': d.imageId,
    'ami-launch-index': String(d.amiLaunchIndex),
    'hostname': d.privateDnsName,
    'instance-id': r.id,
    'instance-type': d.instanceType,
    'local-hostname': d.privateDnsName,
    'local-ipv4': d.privateIp,
    mac,
    'placement/availability-zone': d.zone,
    'placement/availability-zone-id': d.zoneId,
    'placement/region': region,
    'reservation-id': d.reservationId,
    'security-groups': '',
    'services/domain': 'amazonaws.com',
    'services/partition': 'aws',
    'block-device-mapping/ami': d.rootDeviceName,
    'block-device-mapping/root': d.rootDeviceName,
    [`network/interfaces/macs/${mac}/device-number`]: '0',
    [`network/interfaces/macs/${mac}/interface-id`]: d.eniId,
    [`network/interfaces/macs/${mac}/local-hostname`]: d.privateDnsName,
    [`network/interfaces/macs/${mac}/local-ipv4s`]: d.privateIp,
    [`network/interfaces/macs/${mac}/mac`]: mac,
    [`network/interfaces/macs/${mac}/owner-id`]: tenant.id,
    [`network/interfaces/macs/${mac}/subnet-id`]: d.subnetId ?? '',
    [`network/interfaces/macs/${mac}/subnet-ipv4-cidr-block`]: subnet?.data.cidrBlock ?? '',
    [`network/interfaces/macs/${mac}/vpc-id`]: d.vpcId ?? '',
    [`network/interfaces/macs/${mac}/vpc-ipv4-cidr-block`]: vpc?.data.cidrBlock ?? '',
    [`network/interfaces/macs/${mac}/vpc-ipv4-cidr-blocks`]: vpc?.data.cidrBlock ?? '',
  };
  // An auto-assigned public address (RunInstances in a subnet that maps one), as EC2 lists it.
  if (d.publicIp) {
    const host = `ec2-${d.publicIp.replaceAll('.', '-')}.${region === 'us-east-1' ? 'compute-1' : `${region}.compute`}.amazonaws.com`;
    Object.assign(leaves, { 'public-ipv4': d.publicIp, 'public-hostname': host, [`network/interfaces/macs/${mac}/public-ipv4s`]: d.publicIp, [`network/interfaces/macs/${mac}/public-hostname`]: host });
  }
  // Only volumes mapped at launch appear here, as on EC2 (the EBS node plugin counts `ebs` entries).
  launchDevices
    .filter((a) => a.data.device !== d.rootDeviceName)
    .forEach((a, i) => (leaves[`block-device-mapping/ebs${i + 1}`] = a.data.device.replace(/^\/dev\//, '')));
  const tree = new Map<string, string>();
  for (const [path, value] of Object.entries(leaves)) {
    tree.set(path, value);
    // Every ancestor directory lists its children, directories with a trailing slash.
    const parts = path.split('/');
    for (let i = 0; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const child = parts[i]! + (i < parts.length - 1 ? '/' : '');
      const listing = tree.get(`${dir}/`)?.split('\n') ?? [];
      if (!listing.includes(child)) tree.set(`${dir}/`, [...listing, child].filter(Boolean).join('\n'));
    }
  }
  return tree;
}

export function metadata(inst: ImdsInstance, subpath: string): ImdsReply {
  const tree = metadataTree(inst);
  const key = subpath === '' ? '/' : subpath;
  // A directory answers its listing with or without the trailing slash.
  const value = tree.get(key) ?? tree.get(`${key}/`);
  return value === undefined ? NOT_FOUND : text(value);
}

export function identityDocument(inst: ImdsInstance): ImdsReply {
  const { record: r, tenant } = inst;
  const doc = {
    accountId: tenant.id,
    architecture: 'x86_64',
    availabilityZone: r.data.zone,
    billingProducts: null,
    devpayProductCodes: null,
    marketplaceProductCodes: null,
    imageId: r.data.imageId,
    instanceId: r.id,
    instanceType: r.data.instanceType,
    kernelId: null,
    pendingTime: r.data.launchTime.replace(/\.\d{3}Z$/, 'Z'),
    privateIp: r.data.privateIp,
    ramdiskId: null,
    region: r.region,
    version: '2017-09-30',
  };
  return { status: 200, contentType: 'text/plain', body: JSON.stringify(doc, null, 2) };
}
