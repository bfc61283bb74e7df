/**
 * The target of a `CONNECT` request, in authority form (`host:port`, `[v6]:port`), checked
 * label by label (no backtracking pattern over caller input). Host names are lower-cased.
 */
import { isIP } from 'node:net';

export interface ConnectTarget {
  host: string;
  port: number;
  /** An IP literal: it goes into the certificate's IP SANs, and clients send no SNI for it. */
  ip: boolean;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

export function parseConnectTarget(authority: string | undefined): ConnectTarget | undefined {
  if (!authority || authority.length > 300) return undefined;
  let host: string;
  let portText: string;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1 || authority[close + 1] !== ':') return undefined;
    host = authority.slice(1, close);
    portText = authority.slice(close + 2);
    if (isIP(host) !== 6) return undefined;
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon <= 0) return undefined;
    host = authority.slice(0, colon);
    portText = authority.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  host = host.toLowerCase();
  if (isIP(host)) return { host, port, ip: true };
  return isHostName(host) ? { host: host.replace(/\.$/, ''), port, ip: false } : undefined;
}

/** A DNS name as certificates carry it: dot-separated labels of letters, digits, `-` and `_`. */
export function isHostName(name: string): boolean {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n.length === 0 || n.length > 253) return false;
  return n.split('.').every((label) => LABEL.test(label));
}
