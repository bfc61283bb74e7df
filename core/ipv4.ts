/**
 * IPv4 arithmetic and address pools kept in the store: what a cloud hands out (subnet addresses,
 * public addresses) is recorded per range in a tenant collection, so an address is never given
 * twice, a released one can be reused, and state export/import carries the pools. Each cloud says
 * which collection holds its pools and which addresses of a range it reserves.
 */
import type { TenantStore } from './store.js';

export const ipToInt = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;
export const intToIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** The first address of `cidr`'s block and how many addresses it holds. */
export function cidrRange(cidr: string): { start: number; size: number } {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return { start: ipToInt(base!) - (ipToInt(base!) % size), size };
}

export function inCidr(ip: string, cidr: string): boolean {
  const { start, size } = cidrRange(cidr);
  const n = ipToInt(ip);
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) && n >= start && n < start + size;
}

/** The stored shape of one range's pool. */
export interface IpPoolData {
  used: string[];
}

export interface IpPool {
  /** The collection that holds this cloud's pools, one record per range key. */
  readonly type: string;
  /** Addresses reserved at the start (network, gateway, …) and at the end (broadcast, …) of a range. */
  readonly reserved: { low: number; high: number };
}

function usage(tenant: TenantStore, pool: IpPool, key: string): IpPoolData {
  const c = tenant.collection<IpPoolData>(pool.type);
  return (c.peek(key) ?? c.insert({ id: key, data: { used: [] } })).data;
}

export function isAllocated(tenant: TenantStore, pool: IpPool, key: string, ip: string): boolean {
  return usage(tenant, pool, key).used.includes(ip);
}

/** Take `wanted` (if free) or the lowest free address of `cidr`; undefined when none is left or `wanted` is taken. */
export function allocateIp(tenant: TenantStore, pool: IpPool, key: string, cidr: string, wanted?: string): string | undefined {
  const u = usage(tenant, pool, key);
  if (wanted !== undefined) {
    if (u.used.includes(wanted)) return undefined;
    u.used.push(wanted);
    return wanted;
  }
  const { start, size } = cidrRange(cidr);
  const taken = new Set(u.used);
  for (let i = pool.reserved.low; i < size - pool.reserved.high; i++) {
    const ip = intToIp(start + i);
    if (!taken.has(ip)) {
      u.used.push(ip);
      return ip;
    }
  }
  return undefined;
}

export function releaseIp(tenant: TenantStore, pool: IpPool, key: string, ip: string): void {
  const u = usage(tenant, pool, key);
  u.used = u.used.filter((x) => x !== ip);
}
