/**
 * Wire helpers every OpenStack service shares: JSON bodies, the caller's origin (catalog and
 * `*_links` URLs are absolute, on the scheme and host the caller used), OpenStack's timestamp
 * spellings and request ids.
 */
import type { WireRequest } from '../../../core/cloud-api.js';
import { CloudError } from '../../../core/errors.js';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const ok = (body: unknown, status = 200, headers?: Record<string, string>): Reply => ({ status, body, headers });
export const noContent = (status = 204): Reply => ({ status });

/** `http://host:port` as the caller addressed fauxcloud. */
export function origin(req: WireRequest): string {
  const host = typeof req.headers['x-forwarded-host'] === 'string' ? req.headers['x-forwarded-host'] : req.headers.host ?? '127.0.0.1';
  return `${req.secure ? 'https' : 'http'}://${host}`;
}

/** Parse a JSON request body; an empty or malformed one is the service's 400. */
export function jsonBody(req: WireRequest): Record<string, unknown> {
  const text = req.body.toString('utf8').trim();
  if (text === '') throw badRequest('The request body is empty.');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('Malformed request body: the body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('Malformed request body: expected a JSON object.');
  return value as Record<string, unknown>;
}

/** The object under `key` in a request body (`{"volume": {...}}`). */
export function member(body: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = body[key];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badRequest(`Missing required element '${key}' in request body.`);
  return v as Record<string, unknown>;
}

export const badRequest = (message: string, code = 'badRequest'): CloudError => new CloudError(code, 400, message);
export const notFound = (message: string, code = 'itemNotFound'): CloudError => new CloudError(code, 404, message);
export const conflict = (message: string, code = 'conflictingRequest'): CloudError => new CloudError(code, 409, message);

export function str(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'string'`);
  return v;
}

export function int(obj: Record<string, unknown>, key: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'integer'`);
  return n;
}

export function bool(obj: Record<string, unknown>, key: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false|yes|no|1|0)$/i.test(v)) return /^(true|yes|1)$/i.test(v);
  throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'boolean'`);
}

export function stringMap(obj: Record<string, unknown>, key: string): Record<string, string> | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'object'`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. ${JSON.stringify(val)} is not of type 'string'`);
    out[k] = val;
  }
  return out;
}

/** Nova, Neutron and Keystone: `2026-12-02T05:26:49Z`. */
export const isoZ = (ms: number): string => `${new Date(ms).toISOString().slice(0, -5)}Z`;
/** isoMicro's answers by instant: a list formats the same stored instants on every call, and a Date is slow to format. */
const MICRO = new Map<number, string>();
/** Cinder and Octavia: `2026-12-02T05:26:49.000000`, no zone (gophercloud parses it so). */
export const isoMicro = (ms: number): string => {
  let s = MICRO.get(ms);
  if (s === undefined) {
    if (MICRO.size >= 50_000) MICRO.clear();
    s = `${new Date(ms).toISOString().slice(0, -1)}000`;
    MICRO.set(ms, s);
  }
  return s;
};
/** Keystone token times: `2026-12-02T05:26:49.000000Z`. */
export const isoMicroZ = (ms: number): string => `${isoMicro(ms)}Z`;

/** Positive integer query parameter (`limit`), or the service's 400. */
export function queryInt(query: URLSearchParams, key: string): number | undefined {
  const v = query.get(key);
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`Invalid ${key} value: ${v}. ${key} must be a non-negative integer.`);
  return Number(v);
}
