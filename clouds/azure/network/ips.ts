/**
 * IPv4 allocation in a subnet (NICs, Dynamic frontend IPs) and from the subscription's pool of
 * public addresses. Azure reserves the first four addresses of a subnet (network, gateway, two
 * for DNS) and the last (broadcast); what is handed out is recorded per range.
 */
import type { TenantStore } from '../../../core/store.js';
import { IP_ALLOCATION, type IpAllocationData } from '../records.js';

/** Public range fauxcloud hands Standard public IPs out of (Azure's own East US space). */
export const PUBLIC_POOL = '20.62.0.0/16';
export const PUBLIC_KEY = 'public';

export const ipToInt = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;
export const intToIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = ipToInt(base!) - (ipToInt(base!) % size);
  const n = ipToInt(ip);
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) && n >= start && n < start + size;
}

function usage(tenant: TenantStore, key: string): IpAllocationData {
  const c = tenant.collection<IpAllocationData>(IP_ALLOCATION);
  return (c.peek(key) ?? c.insert({ id: key, data: { used: [] } })).data;
}

/** `wanted` if free, else the lowest free host; undefined when none is left or `wanted` is taken. */
export function allocateIp(tenant: TenantStore, key: string, cidr: string, wanted?: string): string | undefined {
  const u = usage(tenant, key);
  if (wanted !== undefined) {
    if (u.used.includes(wanted)) return undefined;
    u.used.push(wanted);
    return wanted;
  }
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = ipToInt(base!) - (ipToInt(base!) % size);
  const taken = new Set(u.used);
  for (let i = 4; i < size - 1; i++) {
    const ip = intToIp(start + i);
    if (!taken.has(ip)) {
      u.used.push(ip);
      return ip;
    }
  }
  return undefined;
}

export function releaseIp(tenant: TenantStore, key: string, ip: string): void {
  const u = usage(tenant, key);
  u.used = u.used.filter((x) => x !== ip);
}
