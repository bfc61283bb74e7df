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
