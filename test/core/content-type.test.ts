/**
 * A body sent with an empty Content-Type header reaches the cloud, which answers in its own shape
 * (as the real APIs do), instead of fastify's generic 415.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
useFauxcloud((s) => (server = s));

function send(method: string, path: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((done, fail) => {
    const url = new URL(path, server.httpUrl);
    const req = request(url, { method, headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

describe('an empty Content-Type', () => {
  it('is answered by Resource Manager, not refused before it', async () => {
    const res = await send('PUT', '/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/ct-empty?api-version=2021-04-01', '{"location":"eastus"}');
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: 'ct-empty', location: 'eastus' });
  });

  it('is answered by Compute Engine in its own error shape when the body is wrong', async () => {
    const res = await send('POST', '/compute/v1/projects/fauxcloud-project/zones/us-central1-a/disks', '{"name":');
    expect(res.status).toBe(400);
    expect(res.json).toHaveProperty('error.code', 400);
    expect(res.json).not.toHaveProperty('statusCode');
  });
});

describe('answers as they leave (sent as UTF-8 bytes, not strings)', () => {
  it('keep the Content-Type fastify gave a string answer and a Content-Length in bytes, non-ASCII included', async () => {
    // Azure: a JSON type with a charset; a tag value with multi-byte characters.
    const rg = await fetch(`${server.httpUrl}/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/ct-bytes?api-version=2021-04-01`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ location: 'eastus', tags: { owner: 'Zoë — ☁️ 雲' } }),
    });
    const bytes = Buffer.from(await rg.arrayBuffer());
    expect(rg.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(rg.headers.get('content-length'))).toBe(bytes.length);
    expect((JSON.parse(bytes.toString('utf8')) as { tags: Record<string, string> }).tags.owner).toBe('Zoë — ☁️ 雲');

    // OpenStack answers `application/json` without a charset: on the wire it reads as fastify wrote it for a string.
    const ks = await fetch(`${server.httpUrl}/openstack/identity/v3`);
    expect(ks.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(ks.headers.get('content-length'))).toBe(Buffer.from(await ks.arrayBuffer()).length);

    // AWS query protocol: XML with its own charset spelling, unchanged.
    const aws = await fetch(`${server.httpUrl}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeRegions&Version=2016-11-15' });
    expect(aws.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(Number(aws.headers.get('content-length'))).toBe(Buffer.from(await aws.arrayBuffer()).length);
  });
});
