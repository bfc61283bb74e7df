/**
 * IPv4 allocation inside a subnetwork's range (instances, internal addresses and forwarding rules)
 * and from a per-project pool of external addresses, on core's address pools. A GCE subnet
 * reserves its network address, the gateway (.1) and its last two addresses.
 */
import * as pools from '../../core/ipv4.js';
import type { TenantStore } from '../../core/store.js';
import { G } from './records.js';

export { inCidr, intToIp, ipToInt } from '../../core/ipv4.js';

/** Documentation-free public range Google really allocates ephemeral addresses from. */
export const EXTERNAL_POOL = '34.118.0.0/16';
export const EXTERNAL_KEY = 'external';

const POOL: pools.IpPool = { type: G.ipAllocation, reserved: { low: 2, high: 2 } };

export const isAllocated = (tenant: TenantStore, key: string, ip: string): boolean => pools.isAllocated(tenant, POOL, key, ip);

/** Take `wanted` (if free) or the lowest free host of `cidr`; undefined when none is left or `wanted` is taken. */
export const allocateIp = (tenant: TenantStore, key: string, cidr: string, wanted?: string): string | undefined =>
  pools.allocateIp(tenant, POOL, key, cidr, wanted);

export const releaseIp = (tenant: TenantStore, key: string, ip: string): void => pools.releaseIp(tenant, POOL, key, ip);
