/** IPv4 CIDR blocks as EC2 checks them for VPCs, subnets and routes (parsed by a fixed-shape pattern, linear time). */
import { intToIp, ipToInt } from '../../../core/ipv4.js';

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

export interface Block {
  /** First address, as an unsigned integer. */
  start: number;
  bits: number;
  size: number;
  /** The block written with its network address (EC2 stores `10.0.0.0/16` for `10.0.3.7/16`). */
  text: string;
}

export function parseBlock(cidr: string): Block | undefined {
  const m = CIDR.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  const ip = ipToInt(octets.join('.'));
  const start = ip - (ip % size);
  return { start, bits, size, text: `${intToIp(start)}/${bits}` };
}

export const contains = (outer: Block, inner: Block): boolean => inner.start >= outer.start && inner.start + inner.size <= outer.start + outer.size;
export const overlaps = (a: Block, b: Block): boolean => a.start < b.start + b.size && b.start < a.start + a.size;
