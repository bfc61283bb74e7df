/**
 * HTTP-level refusals (a body over the 32 MiB limit, a method or path no route serves) answered
 * in each cloud's own shape, as each cloud's official SDK surfaces them: the error name and
 * status an EC2 caller, a GCE caller and an ARM caller branch on. The refusal never reads the
 * oversized body: it is answered from Content-Length.
 */
import { DescribeRegionsCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { azureClients, LOCATION, RG } from '../helpers/azure.js';
import { ec2Client, useFauxcloud } from '../helpers/fauxcloud.js';
import { computeClients, PROJECT, ZONE } from '../helpers/gcp.js';

let server: RunningServer;
useFauxcloud((s) => (server = s), { httpsPort: 0 });

/** Just over the limit: the smallest body every cloud must refuse. */
const OVER = 32 * 1024 * 1024 + 1024;

async function raw(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${server.httpUrl}${path}`, { method, headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('HTTP-level refusals in each cloud’s shape', () => {
  it('EC2: an oversized RunInstances is RequestEntityTooLargeException (413), a PATCH is UnknownOperationException (404)', async () => {
    const ec2 = ec2Client(server);
    const big = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0abcdef1234567890', MinCount: 1, MaxCount: 1, UserData: 'A'.repeat(OVER) })).catch((e: unknown) => e);
    expect(big).toMatchObject({ name: 'RequestEntityTooLargeException', $metadata: { httpStatusCode: 413 } });
    // The same client with its request method rewritten: EC2's endpoint takes only GET and POST.
    ec2.middlewareStack.add((next) => async (args) => {
      (args.request as { method: string }).method = 'PATCH';
      return next(args);
    }, { step: 'finalizeRequest', name: 'patchMethod' });
    const patched = await ec2.send(new DescribeRegionsCommand({})).catch((e: unknown) => e);
    expect(patched).toMatchObject({ name: 'UnknownOperationException', $metadata: { httpStatusCode: 404 } });
  });

  it('GCE: an oversized disks.insert is an ApiError with code 413 and Google’s JSON reason', async () => {
    const c = computeClients(server);
    const err = (await c.disks.insert({ project: PROJECT, zone: ZONE, diskResource: { name: 'big', sizeGb: 10, description: 'x'.repeat(OVER) } }).catch((e: unknown) => e)) as { code?: number; message?: string; errors?: unknown };
    expect(err.code).toBe(413);
    expect(err.message).toContain('Request payload size exceeds the limit: 33554432 bytes.');
  });

  it('ARM: an oversized disk PUT is a RestError RequestEntityTooLarge (413)', async () => {
    const c = azureClients(server);
    const err = (await c.compute.disks.beginCreateOrUpdate(RG, 'big', { location: LOCATION, creationData: { createOption: 'Empty' }, diskSizeGB: 10, tags: { big: 'x'.repeat(OVER) } }).catch((e: unknown) => e)) as { name?: string; code?: string; statusCode?: number };
    expect(err).toMatchObject({ name: 'RestError', code: 'RequestEntityTooLarge', statusCode: 413 });
  });

  it('ARM: a path no provider serves is InvalidResourceType (404), without api-version MissingApiVersionParameter (400)', async () => {
    const r = await raw('GET', '/subscriptions/00000000-0000-0000-0000-000000000001/nope?api-version=2022-12-01');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text)).toEqual({ error: { code: 'InvalidResourceType', message: "The resource type 'nope' could not be found in the namespace 'Microsoft.Resources' for api version '2022-12-01'." } });
    expect(JSON.parse((await raw('GET', '/subscriptions/00000000-0000-0000-0000-000000000001/nope')).text).error.code).toBe('MissingApiVersionParameter');
  });

  it('vSphere: PUT or PROPFIND on /sdk is 405 with a vim25 InvalidRequest SOAP fault', async () => {
    for (const method of ['PUT', 'PROPFIND']) {
      const r = await raw(method, '/sdk');
      expect(r.status).toBe(405);
      expect(r.type).toMatch(/^text\/xml/);
      expect(r.text).toMatch(/<faultcode>ServerFaultCode<\/faultcode>.*<detail><InvalidRequestFault xmlns="urn:vim25" xsi:type="InvalidRequest">/s);
    }
  });

  it('OpenStack: a path under /openstack no service serves is a Keystone-shaped 404', async () => {
    const r = await raw('GET', '/openstack/nope');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text)).toEqual({ error: { code: 404, title: 'Not Found', message: 'The resource could not be found.' } });
  });

  it('a method fastify does not route, on a path no cloud claims, is core’s NotRecognised; the admin API keeps its JSON', async () => {
    const r = await raw('PROPFIND', '/nowhere');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text)).toMatchObject({ error: 'NotRecognised' });
    const res = await fetch(`${server.httpUrl}/_fauxcloud/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: `[${' '.repeat(OVER)}]` });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'PayloadTooLarge', message: 'Request body is too large' });
  });

  it('journals each refusal with the cloud that gave it', async () => {
    await raw('PROPFIND', '/sdk');
    const res = await fetch(`${server.httpUrl}/_fauxcloud/journal?limit=1`);
    const { entries } = (await res.json()) as { entries: Array<{ cloud: string; method: string; status: number; errorCode?: string }> };
    expect(entries[0]).toMatchObject({ cloud: 'vsphere', method: 'PROPFIND', status: 405, errorCode: 'InvalidRequest' });
  });
});
