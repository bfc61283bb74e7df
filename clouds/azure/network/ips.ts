/**
 * IPv4 allocation in a subnet (NICs, Dynamic frontend IPs) and from the subscription's pool of
 * public addresses, on core's address pools. Azure reserves the first four addresses of a subnet
 * (network, gateway, two for DNS) and the last (broadcast).
 */
import * as pools from '../../../core/ipv4.js';
import type { TenantStore } from '../../../core/store.js';
import { IP_ALLOCATION } from '../records.js';

export { inCidr, intToIp, ipToInt } from '../../../core/ipv4.js';

/** Public range fauxcloud hands Standard public IPs out of (Azure's own East US space). */
export const PUBLIC_POOL = '20.62.0.0/16';
export const PUBLIC_KEY = 'public';

const POOL: pools.IpPool = { type: IP_ALLOCATION, reserved: { low: 4, high: 1 } };

/** `wanted` if free, else the lowest free host; undefined when none is left or `wanted` is taken. */
export const allocateIp = (tenant: TenantStore, key: string, cidr: string, wanted?: string): string | undefined =>
  pools.allocateIp(tenant, POOL, key, cidr, wanted);

export const releaseIp = (tenant: TenantStore, key: string, ip: string): void => pools.releaseIp(tenant, POOL, key, ip);
