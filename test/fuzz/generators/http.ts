/**
 * Raw HTTP oddities, written byte by byte: unknown and malformed methods, bad request lines and
 * URLs, oversized headers, contradictory lengths, broken chunking, odd versions. Every one gets a
 * status line and a body saying what was wrong, never a silent close or a stack. (CONNECT is
 * left out: the HTTPS proxy owns it.)
 */
import { expect } from 'vitest';
import type { FuzzGenerator, FuzzRequest, FuzzResponse, Rng } from '../harness.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'FOO', 'get', 'G\u0000T', 'GET GET', 'X'.repeat(300), ''];
const PATHS = ['/', '/%zz', '/%', '/_fauxcloud/%zz', '/_fauxcloud/health', '/_fauxcloud/../_fauxcloud/health', 'http://metadata.google.internal/computeMetadata/v1/', 'http://[x/', 'http:/', '*', '//', '/\u007f', '/a b', `/${'a'.repeat(9000)}`, '/compute/v1/projects/fauxcloud-project/zones/us-central1-a/disks', '/latest/meta-data/', '/?Action=DescribeVolumes&Version=2016-11-15', '/\u00e9', ''];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTP/1.1x', 'FOO/1.1', ''];

function headers(rng: Rng, body: Buffer): string[] {
  const out: string[] = [];
  if (rng.chance(0.9)) out.push('Host: 127.0.0.1');
  if (rng.chance(0.05)) out.push('Host: a', 'Host: b');
  const length = rng.pick(['exact', 'exact', 'exact', 'none', 'short', 'bad', 'negative', 'double', 'chunked', 'chunked-bad', 'both']);
  if (length === 'exact') out.push(`Content-Length: ${body.length}`);
  if (length === 'short') out.push(`Content-Length: ${Math.max(0, body.length - 1)}`);
  if (length === 'bad') out.push('Content-Length: abc');
  if (length === 'negative') out.push('Content-Length: -1');
  if (length === 'double') out.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`);
  if (length.startsWith('chunked') || length === 'both') out.push('Transfer-Encoding: chunked');
  if (length === 'both') out.push(`Content-Length: ${body.length}`);
  if (rng.chance(0.1)) out.push(`X-Big: ${'a'.repeat(rng.pick([100, 20_000]))}`);
  if (rng.chance(0.05)) out.push('NoColonHere');
  if (rng.chance(0.05)) out.push(' folded: value');
  if (rng.chance(0.1)) out.push(`Content-Type: ${rng.pick(['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '\u0001'])}`);
  if (rng.chance(0.05)) out.push('Expect: 100-continue');
  out.push('Connection: close');
  (out as string[] & { framing?: string }).framing = length;
  return out;
}

function next(rng: Rng): FuzzRequest {
  const method = rng.pick(METHODS);
  const path = rng.pick(PATHS);
  const version = rng.pick(VERSIONS);
  const body = Buffer.from(rng.chance(0.5) ? '' : rng.pick(['{}', 'Action=DescribeVolumes', '\u0000\u0001\u0002', 'x'.repeat(1000), '{"a":']));
  const hs = headers(rng, body) as string[] & { framing?: string };
  let payload: Buffer = body;
  if (hs.framing === 'chunked' || hs.framing === 'both') payload = Buffer.from(`${body.length.toString(16)}\r\n${body.toString('latin1')}\r\n0\r\n\r\n`, 'latin1');
  if (hs.framing === 'chunked-bad') payload = Buffer.from('zz\r\nxx\r\n0\r\n\r\n');
  const line = rng.chance(0.03) ? rng.pick(['\r\n', 'GET\r\n', '\u0016\u0003\u0001\u0002\u0000\u0001\u0000']) : `${method} ${path} ${version}`.trimEnd();
  const raw = Buffer.concat([Buffer.from(`${line}\r\n${hs.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
  return { method: method || '(none)', path: path || '(none)', raw };
}

function shape(req: FuzzRequest, res: FuzzResponse): string | undefined {
  if (req.method === 'HEAD' || res.status === 204 || res.status === 304) return undefined;
  return res.text.length > 0 ? undefined : 'an answer without a body';
}

const raw = (text: string): FuzzRequest => ({ method: text.split(' ')[0] ?? '', path: '(raw)', raw: Buffer.from(text, 'latin1') });
const answered = (status: number) => (res: FuzzResponse) => {
  expect(res.status).toBe(status);
  expect(res.text.length).toBeGreaterThan(0);
  expect(res.text).not.toMatch(/\n\s+at /);
};

export const generator: FuzzGenerator = {
  name: 'http',
  requests: 800,
  // An absolute-form request for a host no cloud emulates is the proxy's honest 502, not a fault.
  notEmulated: { status: 502, code: 'UnknownHost' },
  next,
  shape,
  fixed: [
    { why: 'an unknown method', request: raw('FOO / HTTP/1.1\r\nHost: x\r\n\r\n'), check: answered(400) },
    { why: 'headers over the limit', request: raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), check: answered(431) },
    { why: 'a body over the limit', request: raw('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000000\r\nConnection: close\r\n\r\n{}'), check: answered(413) },
    { why: 'an admin body of a type it does not take', request: raw('POST /_fauxcloud/reset HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: 4\r\nConnection: close\r\n\r\n<a/>'), check: answered(415) },
    { why: 'a malformed URL', request: raw('GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), check: answered(400) },
    { why: 'an invalid Content-Length', request: raw('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'), check: answered(400) },
  ],
};
