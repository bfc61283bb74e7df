/**
 * Signature Version 4, recomputed from what arrived: the canonical request (method, path,
 * sorted query, the signed headers, the payload hash), the string to sign, the signing key derived
 * from the secret and the credential scope. Header-signed and presigned (query) requests both.
 * Pure functions: which secret to use and which error to answer is strict.ts's business.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WireRequest } from '../../../core/cloud-api.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const UNSIGNED = 'UNSIGNED-PAYLOAD';

export interface SignedRequest {
  presigned: boolean;
  accessKeyId: string;
  /** Credential scope parts: yyyymmdd/region/service/aws4_request. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string;
  signature: string;
  /** X-Amz-Date (ISO 8601 basic: 20261125T101500Z). */
  amzDate: string;
  securityToken?: string;
  /** X-Amz-Expires of a presigned request, in seconds. */
  expiresSeconds?: number;
}

export type Parsed = { kind: 'signed'; req: SignedRequest } | { kind: 'missing' } | { kind: 'incomplete'; message: string };

const SCOPE = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;
const AMZ_DATE = /^\d{8}T\d{6}Z$/;

function header(req: WireRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Find the signature in the Authorization header or the query; say what is missing if it is not whole. */
export function parseSignature(req: WireRequest): Parsed {
  const auth = header(req, 'authorization');
  if (auth !== undefined) {
    const space = auth.indexOf(' ');
    const algorithm = space === -1 ? auth : auth.slice(0, space);
    if (algorithm !== ALGORITHM) return { kind: 'incomplete', message: `Unsupported authorization type: ${algorithm || '(empty)'}` };
    const fields = new Map<string, string>();
    for (const part of auth.slice(space + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((f) => !fields.get(f));
    const amzDate = header(req, 'x-amz-date');
    if (missing.length > 0 || amzDate === undefined)
      return {
        kind: 'incomplete',
        message: [
          ...missing.map((f) => `Authorization header requires '${f}' parameter.`),
          ...(amzDate === undefined ? ["Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."] : []),
        ].join(' ') + ` Authorization=${auth}`,
      };
    return scoped(fields.get('Credential')!, fields.get('SignedHeaders')!, fields.get('Signature')!, amzDate, header(req, 'x-amz-security-token'), false);
  }
  const q = req.query;
  if (!q.has('X-Amz-Signature') && !q.has('X-Amz-Algorithm') && !q.has('X-Amz-Credential')) return { kind: 'missing' };
  if (q.get('X-Amz-Algorithm') !== ALGORITHM) return { kind: 'incomplete', message: `X-Amz-Algorithm only supports "${ALGORITHM}"` };
  const missing = ['X-Amz-Credential', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Date'].filter((f) => !q.get(f));
  if (missing.length > 0) return { kind: 'incomplete', message: `AWS query-string parameters must include ${missing.map((m) => `'${m}'`).join(', ')}. Re-examine the query-string parameters.` };
  const expires = q.get('X-Amz-Expires');
  // AWS takes 1 second to 7 days; anything else is a malformed presigned request.
  if (expires !== null && (!/^\d{1,6}$/.test(expires) || Number(expires) < 1 || Number(expires) > 604_800))
    return { kind: 'incomplete', message: 'X-Amz-Expires must be a number of seconds between 1 and 604800.' };
  const parsed = scoped(q.get('X-Amz-Credential')!, q.get('X-Amz-SignedHeaders')!, q.get('X-Amz-Signature')!, q.get('X-Amz-Date')!, q.get('X-Amz-Security-Token') ?? undefined, true);
  if (parsed.kind === 'signed' && expires !== null) parsed.req.expiresSeconds = Number(expires);
  return parsed;
}

/** AWS accepts a signature made at most 15 minutes before or after its own time. */
export const SKEW_WINDOW_MS = 15 * 60_000;

/** 20261125T101500Z → ms since the epoch. */
export function amzDateMs(amzDate: string): number {
  const d = amzDate;
  return Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)), Number(d.slice(9, 11)), Number(d.slice(11, 13)), Number(d.slice(13, 15)));
}

export const toAmzDate = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/**
 * Is the signature's time acceptable at `nowMs`? Header-signed: within 15 minutes either way.
 * Presigned: not more than 15 minutes in the future, and not past X-Amz-Expires (15 minutes
 * without it). Undefined when acceptable, else AWS's message ("Signature expired: …" /
 * "Signature not yet current: …").
 */
export function signatureTimeProblem(s: SignedRequest, nowMs: number): string | undefined {
  const signedAt = amzDateMs(s.amzDate);
  const now = toAmzDate(nowMs);
  if (signedAt - nowMs > SKEW_WINDOW_MS) return `Signature not yet current: ${s.amzDate} is still later than ${toAmzDate(nowMs + SKEW_WINDOW_MS)} (${now} + 15 min.)`;
  if (s.presigned && s.expiresSeconds !== undefined) {
    if (nowMs - signedAt > s.expiresSeconds * 1000) return `Signature expired: ${s.amzDate} is now earlier than ${toAmzDate(nowMs - s.expiresSeconds * 1000)} (${now} - ${s.expiresSeconds} sec.)`;
    return undefined;
  }
  if (nowMs - signedAt > SKEW_WINDOW_MS) return `Signature expired: ${s.amzDate} is now earlier than ${toAmzDate(nowMs - SKEW_WINDOW_MS)} (${now} - 15 min.)`;
  return undefined;
}

function scoped(credential: string, signedHeaders: string, signature: string, amzDate: string, securityToken: string | undefined, presigned: boolean): Parsed {
  const m = SCOPE.exec(credential);
  if (!m) return { kind: 'incomplete', message: `Credential should be scoped to a valid region, service and date: ${credential}` };
  if (!AMZ_DATE.test(amzDate)) return { kind: 'incomplete', message: `Invalid date format of header X-Amz-Date: ${amzDate}` };
  const [, accessKeyId, date, region, service] = m as unknown as [string, string, string, string, string];
  return { kind: 'signed', req: { presigned, accessKeyId, date, region, service, signedHeaders, signature, amzDate, securityToken } };
}

/** RFC 3986 escaping as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function escape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The path as the SDKs canonicalise it for every service but S3: dot segments resolved, then escaped (again). */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segments.pop();
    else segments.push(s);
  }
  const normalised = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escape(normalised).replace(/%2F/g, '/');
}

function canonicalQuery(query: URLSearchParams): string {
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of query) if (k !== 'X-Amz-Signature') pairs.push([escape(k), escape(v)]);
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function canonicalHeaders(req: WireRequest, signedHeaders: string): string {
  return signedHeaders
    .split(';')
    .map((name) => `${name}:${(header(req, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** The payload hashes the caller may have signed with (the header's claim, else the body's hash). */
function payloadHashes(req: WireRequest, s: SignedRequest): string[] {
  const claimed = s.presigned ? (req.query.get('X-Amz-Content-Sha256') ?? undefined) : header(req, 'x-amz-content-sha256');
  if (claimed !== undefined) return [claimed];
  return s.presigned ? [UNSIGNED, sha256(req.body)] : [sha256(req.body)];
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/**
 * Does the signature verify with this secret? Also false when the body does not match the hash
 * the caller signed (`x-amz-content-sha256`), as AWS refuses that too.
 */
export function signatureMatches(req: WireRequest, s: SignedRequest, secret: string): boolean {
  if (!s.amzDate.startsWith(s.date)) return false;
  const claimed = header(req, 'x-amz-content-sha256');
  if (!s.presigned && claimed !== undefined && claimed !== UNSIGNED && !claimed.startsWith('STREAMING-') && claimed !== sha256(req.body)) return false;
  const key = signingKey(secret, s.date, s.region, s.service);
  const given = Buffer.from(s.signature, 'utf8');
  for (const payload of payloadHashes(req, s)) {
    const canonical = [req.method, canonicalPath(req.path), canonicalQuery(req.query), canonicalHeaders(req, s.signedHeaders), s.signedHeaders, payload].join('\n');
    const toSign = [ALGORITHM, s.amzDate, `${s.date}/${s.region}/${s.service}/aws4_request`, sha256(canonical)].join('\n');
    const want = Buffer.from(createHmac('sha256', key).update(toSign).digest('hex'), 'utf8');
    if (want.length === given.length && timingSafeEqual(want, given)) return true;
  }
  return false;
}
