/** IPv4 arithmetic and address allocation from a subnet's pools (ports hold the addresses). */
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { OS, type PortData, type SubnetData } from '../records.js';

import { intToIp, ipToInt } from '../../../core/ipv4.js';

export { intToIp, ipToInt };

export function isIpv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export function parseCidr(cidr: string): { base: number; bits: number } | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  if (!m || !isIpv4(m[1]!) || Number(m[2]) > 32) return undefined;
  const bits = Number(m[2]);
  const size = 2 ** (32 - bits);
  const ip = ipToInt(m[1]!);
  return { base: ip - (ip % size), bits };
}

export function inCidr(ip: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  if (!c || !isIpv4(ip)) return false;
  const n = ipToInt(ip);
  return n >= c.base && n < c.base + 2 ** (32 - c.bits);
}

/** Neutron's defaults for a new subnet: gateway the first host, one pool with the rest. */
export function subnetDefaults(cidr: string): { cidr: string; gatewayIp: string; pools: Array<{ start: string; end: string }> } | undefined {
  const c = parseCidr(cidr);
  if (!c || c.bits > 30) return undefined;
  const size = 2 ** (32 - c.bits);
  return { cidr: `${intToIp(c.base)}/${c.bits}`, gatewayIp: intToIp(c.base + 1), pools: [{ start: intToIp(c.base + 2), end: intToIp(c.base + size - 2) }] };
}

/** Addresses taken on a subnet: its gateway and every port's fixed IP there. */
export function usedIps(owner: TenantStore, subnet: ResourceRecord<SubnetData>): Set<string> {
  const used = new Set<string>();
  if (subnet.data.gatewayIp) used.add(subnet.data.gatewayIp);
  for (const p of owner.collection<PortData>(OS.port).all()) for (const f of p.data.fixedIps) if (f.subnetId === subnet.id) used.add(f.ipAddress);
  return used;
}

/** The first free address of the subnet's pools; undefined when they are exhausted. */
export function allocateIp(owner: TenantStore, subnet: ResourceRecord<SubnetData>): string | undefined {
  const used = usedIps(owner, subnet);
  for (const pool of subnet.data.allocationPools)
    for (let n = ipToInt(pool.start); n <= ipToInt(pool.end); n++) {
      const ip = intToIp(n);
      if (!used.has(ip)) return ip;
    }
  return undefined;
}

/** A MAC in OpenStack's `fa:16:3e` prefix. */
export function macAddress(engine: Engine): string {
  const h = engine.ids.hex('openstack:mac', 6);
  return `fa:16:3e:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
}
