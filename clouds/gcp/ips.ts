/**
 * IPv4 allocation inside a subnetwork's range (instances, internal addresses and forwarding rules)
 * and from a per-project pool of external addresses. What is handed out is recorded per range, so
 * an address is never given twice and a released one can be reused.
 */
import type { TenantStore } from '../../core/store.js';
import { G, type IpAllocationData } from './records.js';

/** Documentation-free public range Google really allocates ephemeral addresses from. */
export const EXTERNAL_POOL = '34.118.0.0/16';
export const EXTERNAL_KEY = 'external';

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
  const c = tenant.collection<IpAllocationData>(G.ipAllocation);
  return (c.peek(key) ?? c.insert({ id: key, data: { used: [] } })).data;
}

export function isAllocated(tenant: TenantStore, key: string, ip: string): boolean {
  return usage(tenant, key).used.includes(ip);
}

/**
 * Take `wanted` (if free) or the lowest free host of `cidr`. The network address, the gateway
 * (.1) and the last two addresses are reserved, as in a GCE subnet. Undefined when none is left
 * or `wanted` is taken.
 */
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
  for (let i = 2; i < size - 2; i++) {
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
