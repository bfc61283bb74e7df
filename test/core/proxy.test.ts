/**
 * The HTTPS forward proxy: an unchanged client with only a proxy and fauxcloud's CA reaches the
 * real host names (ec2.us-east-1.amazonaws.com, compute.googleapis.com), gets a clear error for a
 * host no cloud emulates, and the journal says which host each request named.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';
import type { Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { DescribeInstancesCommand, CreateVolumeCommand, EC2Client } from '@aws-sdk/client-ec2';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { parseConnectTarget } from '../../core/proxy/target.js';
import { admin, startFauxcloud, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
let agent: Agent;

/** https-proxy-agent with fauxcloud's CA trusted for the tunnelled TLS (what NODE_EXTRA_CA_CERTS does for a whole process). */
class TrustingProxyAgent extends HttpsProxyAgent<string> {
  constructor(proxy: string, private readonly ca: string) {
    super(proxy, { keepAlive: true });
  }
  override connect(req: Parameters<HttpsProxyAgent<string>['connect']>[0], opts: Parameters<HttpsProxyAgent<string>['connect']>[1]) {
    return super.connect(req, { ...opts, ca: this.ca });
  }
}

useFauxcloud((s) => {
  server = s;
  agent = new TrustingProxyAgent(s.httpUrl, s.caPem!) as unknown as Agent;
}, { httpsPort: 0 });
beforeEach(async () => {
  await admin(server).delete('/journal');
});

/** An EC2 client exactly as an application builds it: region and keys, no endpoint. */
const proxiedEc2 = () =>
  new EC2Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDPROXY', secretAccessKey: 'x' },
    requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
    maxAttempts: 1,
  });

/** GET an https URL through the proxy. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw CONNECT, as Go's net/http sends it; resolves with the tunnel or the refusal. */
function connectVia(proxyUrl: string, authority: string): Promise<{ status: number; socket?: Socket; body?: string }> {
  const u = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method: 'CONNECT', path: authority, headers: { host: authority } });
    req.on('connect', (res, socket, head) => {
      socket.on('error', () => socket.destroy());
      if (res.statusCode === 200) return resolve({ status: 200, socket });
      let body = head.toString();
      socket.on('data', (d: Buffer) => (body += d.toString()));
      socket.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Send one HTTP/1.1 request on an open stream and read one response (content-length framed). */
function exchange(stream: Socket | TLSSocket, text: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      const end = buf.indexOf('\r\n\r\n');
      const len = /content-length: *(\d+)/i.exec(buf.slice(0, end));
      if (end !== -1 && len && buf.length >= end + 4 + Number(len[1])) {
        stream.off('data', onData);
        resolve({ status: Number(buf.slice(9, 12)), body: buf.slice(end + 4, end + 4 + Number(len[1])) });
      }
    };
    stream.on('data', onData);
    stream.once('error', reject);
    stream.write(text);
  });
}

async function tlsOver(socket: Socket, servername?: string): Promise<TLSSocket> {
  const t = tlsConnect({ socket, ca: server.caPem, servername, ...(servername ? {} : { host: '169.254.169.254' }) });
  await new Promise<void>((resolve, reject) => {
    t.once('secureConnect', () => resolve());
    t.once('error', reject);
  });
  return t;
}

const journal = async (q: string) => (await admin(server).get<{ entries: { host?: string; cloud: string; operation: string; status: number }[] }>(`/journal?${q}`)).body.entries;

describe('an unchanged client with only a proxy and the CA', () => {
  it('runs EC2 at ec2.us-east-1.amazonaws.com: DescribeInstances and CreateVolume', async () => {
    const ec2 = proxiedEc2();
    const out = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag-key', Values: ['kubernetes.io/cluster/fauxcloud'] }] }));
    expect(out.Reservations!.flatMap((r) => r.Instances!.map((i) => i.Tags!.find((t) => t.Key === 'Name')?.Value)).sort()).toEqual(['node-a', 'node-b', 'node-c']);
    const vol = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8, VolumeType: 'gp3' }));
    expect(vol.VolumeId).toMatch(/^vol-/);
    const seen = await journal('host=ec2.us-east-1.amazonaws.com');
    expect(seen.map((e) => [e.cloud, e.operation, e.status])).toEqual([
      ['aws', 'DescribeInstances', 200],
      ['aws', 'CreateVolume', 200],
    ]);
  });

  it('lists zones at https://compute.googleapis.com/compute/v1/, with links on the host the caller used', async () => {
    const res = await get('https://compute.googleapis.com/compute/v1/projects/fauxcloud-project/zones', { authorization: 'Bearer ya29.test' });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { items: { name: string; selfLink: string }[] };
    expect(body.items.map((z) => z.name)).toEqual(['us-central1-a', 'us-central1-b', 'us-central1-c']);
    expect(body.items[0]!.selfLink).toBe('https://compute.googleapis.com/compute/v1/projects/fauxcloud-project/zones/us-central1-a');
    expect(await journal('host=compute.googleapis.com')).toMatchObject([{ cloud: 'gcp', operation: 'zones.list', status: 200 }]);
  });

  it('answers a host no cloud emulates at once with a 502 naming it, and journals it', async () => {
    const res = await get('https://www.example.com/some/page');
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'UnknownHost', host: 'www.example.com', message: expect.stringContaining('www.example.com') });
    expect(await journal('host=www.example.com')).toMatchObject([{ cloud: 'unknown', status: 502 }]);
  });

  it('keeps one tunnel alive for several requests (HTTP/1.1 keep-alive)', async () => {
    const tunnel = await connectVia(server.httpUrl, 'compute.googleapis.com:443');
    expect(tunnel.status).toBe(200);
    const tls = await tlsOver(tunnel.socket!, 'compute.googleapis.com');
    expect(tls.getPeerCertificate().subjectaltname).toBe('DNS:compute.googleapis.com');
    const req = 'GET /compute/v1/projects/fauxcloud-project/regions/us-central1 HTTP/1.1\r\nHost: compute.googleapis.com\r\n\r\n';
    for (let i = 0; i < 3; i++) expect((await exchange(tls, req)).status).toBe(200);
    tls.destroy();
    expect(await journal('operation=regions.get')).toHaveLength(3);
  });
});

describe('tunnels', () => {
  it('terminates TLS for an IP literal with the address in the certificate (clients send no SNI for it)', async () => {
    const tunnel = await connectVia(server.httpUrl, '169.254.169.254:443');
    const tls = await tlsOver(tunnel.socket!);
    expect(tls.getPeerCertificate().subjectaltname).toBe('IP Address:169.254.169.254');
    const res = await exchange(tls, 'GET /latest/meta-data/placement/region HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n');
    expect(res).toEqual({ status: 200, body: 'us-east-1' });
    tls.destroy();
  });

  it('serves plain HTTP on a tunnel whose first byte is not TLS (CONNECT to port 80)', async () => {
    const tunnel = await connectVia(server.httpUrl, 'metadata.google.internal:80');
    const res = await exchange(tunnel.socket!, 'GET /computeMetadata/v1/project/project-id HTTP/1.1\r\nHost: metadata.google.internal\r\nMetadata-Flavor: Google\r\n\r\n');
    expect(res).toEqual({ status: 200, body: 'fauxcloud-project' });
    tunnel.socket!.destroy();
    expect(await journal('host=metadata.google.internal')).toMatchObject([{ cloud: 'gcp', operation: 'GetMetadata' }]);
  });

  it('accepts CONNECT on the HTTPS port too', async () => {
    const u = new URL(server.httpsUrl!);
    const outer = tlsConnect({ host: u.hostname, port: Number(u.port), ca: server.caPem });
    await new Promise<void>((resolve, reject) => {
      outer.once('secureConnect', () => resolve());
      outer.once('error', reject);
    });
    const established = await new Promise<string>((resolve) => {
      outer.once('data', (d: Buffer) => resolve(d.toString()));
      outer.write('CONNECT ec2.us-east-1.amazonaws.com:443 HTTP/1.1\r\nHost: ec2.us-east-1.amazonaws.com:443\r\n\r\n');
    });
    expect(established).toMatch(/^HTTP\/1\.1 200 /);
    const inner = await tlsOver(outer as unknown as Socket, 'ec2.us-east-1.amazonaws.com');
    expect(inner.getPeerCertificate().subjectaltname).toBe('DNS:ec2.us-east-1.amazonaws.com');
    inner.destroy();
  });

  it('serves a pinned listener\'s tunnels with its headers pinned', async () => {
    const opened = await admin(server).post<{ port: number; endpoint: string }>('/listeners', { headers: { 'X-Fauxcloud-Instance': 'node-b' } });
    try {
      const tunnel = await connectVia(opened.body.endpoint, 'metadata.google.internal:80');
      const res = await exchange(tunnel.socket!, 'GET /computeMetadata/v1/instance/name HTTP/1.1\r\nHost: metadata.google.internal\r\nMetadata-Flavor: Google\r\n\r\n');
      expect(res).toEqual({ status: 200, body: 'node-b' });
      tunnel.socket!.destroy();
    } finally {
      await admin(server).delete(`/listeners/${opened.body.port}`);
    }
  });

  it('refuses a CONNECT target that is no host:port', async () => {
    for (const bad of ['no-port', 'a..b:443', 'host:0', 'host:99999', '[::1:443', 'bad_host!:443']) {
      const r = await connectVia(server.httpUrl, bad);
      expect(r.status, bad).toBe(400);
      expect(JSON.parse(r.body!)).toMatchObject({ error: 'BadRequest' });
    }
  });

  it('with HTTPS off, refuses TLS tunnels with the reason and still serves plain ones', async () => {
    const s = await startFauxcloud({ httpsPort: undefined });
    try {
      const refused = await connectVia(s.httpUrl, 'compute.googleapis.com:443');
      expect(refused.status).toBe(502);
      expect(JSON.parse(refused.body!).message).toContain('HTTPS is off');
      const plain = await connectVia(s.httpUrl, 'metadata.google.internal:80');
      const res = await exchange(plain.socket!, 'GET /computeMetadata/v1/instance/name HTTP/1.1\r\nHost: metadata.google.internal\r\nMetadata-Flavor: Google\r\n\r\n');
      expect(res).toEqual({ status: 200, body: 'node-a' });
      plain.socket!.destroy();
    } finally {
      await s.close();
    }
  });

  it('does not keep a closing server waiting on open tunnels', async () => {
    const s = await startFauxcloud({ httpsPort: 0 });
    const idle = await connectVia(s.httpUrl, 'compute.googleapis.com:443');
    const busy = await connectVia(s.httpUrl, 'metadata.google.internal:80');
    busy.socket!.write('GET /computeMetadata/v1/instance/name HTTP/1.1\r\nHost: metadata.google.internal\r\n');
    const closed = new Promise((r) => idle.socket!.once('close', r));
    await s.close();
    await closed;
    expect(busy.socket!.destroyed || busy.socket!.readableEnded).toBe(true);
  });
});

describe('CONNECT targets', () => {
  it('parses host names, IPv4 and bracketed IPv6, lower-cased', () => {
    expect(parseConnectTarget('EC2.us-east-1.AmazonAWS.com:443')).toEqual({ host: 'ec2.us-east-1.amazonaws.com', port: 443, ip: false });
    expect(parseConnectTarget('169.254.169.254:80')).toEqual({ host: '169.254.169.254', port: 80, ip: true });
    expect(parseConnectTarget('[fd00:ec2::254]:443')).toEqual({ host: 'fd00:ec2::254', port: 443, ip: true });
    expect(parseConnectTarget('myregistry.azurecr.io:443')?.host).toBe('myregistry.azurecr.io');
    expect(parseConnectTarget(`${'a'.repeat(64)}.com:443`)).toBeUndefined();
    expect(parseConnectTarget(`${'a.'.repeat(100_000)}com:443`)).toBeUndefined();
  });
});
