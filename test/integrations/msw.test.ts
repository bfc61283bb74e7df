/**
 * fauxcloud in-process through msw: the official SDKs talk to the real host names
 * (ec2.us-east-1.amazonaws.com, compute.googleapis.com) with no endpoint setting and no port
 * opened, and the test steers the same engine through the admin client: faults, clock, journal.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateVolumeCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import compute from '@google-cloud/compute';
import { OAuth2Client } from 'google-auth-library';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessFauxcloud } from '../../integrations/msw.js';

const cloud = inProcessFauxcloud({ scenario: 'default', seed: 42 });
const server = setupServer(...cloud.handlers());

beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }));
afterAll(async () => {
  server.close();
  await cloud.close();
});

// No endpoint: the SDK resolves ec2.us-east-1.amazonaws.com as it would in production.
const ec2 = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDINPROCESS', secretAccessKey: 'x' }, maxAttempts: 1 });

function disks() {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'ya29.in-process', expiry_date: Date.now() + 3_600_000 });
  // The default apiEndpoint, compute.googleapis.com over https, through the REST fallback.
  return new compute.DisksClient({ fallback: true, authClient: auth, projectId: 'fauxcloud-project' });
}

describe('fauxcloud in-process through msw', () => {
  it('answers EC2 at its real host name, with the engine behind the admin client', async () => {
    const created = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 10, VolumeType: 'gp3' }));
    expect(created.VolumeId).toMatch(/^vol-[0-9a-f]{17}$/);
    const listed = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [created.VolumeId!] }));
    expect(listed.Volumes?.[0]).toMatchObject({ VolumeId: created.VolumeId, Size: 10, AvailabilityZone: 'us-east-1a' });

    const journal = await cloud.admin.journal({ operation: 'CreateVolume' });
    expect(journal).toHaveLength(1);
    expect(journal[0]).toMatchObject({ cloud: 'aws', service: 'ec2', region: 'us-east-1', status: 200, resourceIds: [created.VolumeId] });

    // A fault rule installed through the admin client fails the SDK's next call in its own shape.
    await cloud.admin.addFault({ name: 'throttle', match: { cloud: 'aws', operation: 'DescribeVolumes' }, error: 'RequestLimitExceeded' });
    await expect(ec2.send(new DescribeVolumesCommand({}))).rejects.toMatchObject({ name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } });
    await cloud.admin.clearFaults();
  });

  it('answers Compute Engine at compute.googleapis.com and moves operations on the shared clock', async () => {
    await cloud.admin.reset();
    const c = disks();
    const [op] = await c.insert({ project: 'fauxcloud-project', zone: 'us-central1-a', diskResource: { name: 'pvc-msw', sizeGb: 10 } });
    expect((op.latestResponse as { status: string }).status).toBe('PENDING');
    const [disk] = await c.get({ project: 'fauxcloud-project', zone: 'us-central1-a', disk: 'pvc-msw' });
    expect(disk).toMatchObject({ name: 'pvc-msw', sizeGb: '10', status: 'READY' });
    // GCE's own link origin, whichever host the call went to.
    expect(disk.selfLink).toBe('https://www.googleapis.com/compute/v1/projects/fauxcloud-project/zones/us-central1-a/disks/pvc-msw');

    const before = Date.parse((await cloud.admin.health()).now);
    await cloud.admin.advanceClock(60_000);
    expect(Date.parse((await cloud.admin.health()).now) - before).toBeGreaterThanOrEqual(60_000);
  });

  it('leaves other hosts alone', async () => {
    const other = createServer((_req, res) => res.end('not a cloud'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    try {
      const before = (await cloud.admin.journal()).length;
      const res = await fetch(`http://127.0.0.1:${(other.address() as AddressInfo).port}/anything`);
      expect(await res.text()).toBe('not a cloud');
      expect(await cloud.admin.journal()).toHaveLength(before);
    } finally {
      other.close();
    }
  });
});
