/** `GET /_fauxcloud/endpoints` and `fauxcloud env <cloud>`: the settings a caller needs, as the running server computes them. */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { DescribeAvailabilityZonesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { envCommand, shellQuote } from '../../core/env-command.js';
import { admin, startFauxcloud, useFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
useFauxcloud((s) => (server = s), { httpsPort: 0 });

interface Connection {
  urls: Record<string, string>;
  env: Record<string, string>;
  config?: Record<string, Record<string, string>>;
  tenant?: string;
}
interface All {
  listeners: { http: string; https?: string };
  ca?: { url: string; path?: string };
  tls?: { certificate: { sha1: string; sha256: string }; ca: { sha1: string; sha256: string } };
  proxy: { url: string; env: Record<string, string>; notes: string[] };
  clouds: Record<string, Connection>;
}

async function runEnv(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await envCommand(args, { out: (t) => (out += t), err: (t) => (err += t), fetch, env: {} });
  return { code, out, err };
}

/** `export K=V` lines back into a map, undoing the single quoting. */
const parseExports = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(l)!)
      .map((m) => [m[1]!, m[2]!.startsWith("'") ? m[2]!.slice(1, -1).replaceAll(`'\\''`, "'") : m[2]!]),
  );

describe('GET /_fauxcloud/endpoints', () => {
  it('lists every cloud that has connection settings, the proxy and the CA', async () => {
    const { status, body } = await admin(server).get<All>('/endpoints');
    expect(status).toBe(200);
    expect(body.listeners).toEqual({ http: server.httpUrl, https: server.httpsUrl });
    expect(Object.keys(body.clouds).sort()).toEqual(['aws', 'azure', 'gcp', 'openstack', 'vsphere']);
    expect(body.ca).toEqual({ url: `${server.httpUrl}/_fauxcloud/ca.pem` });
    expect(body.proxy.env).toMatchObject({ HTTPS_PROXY: server.httpUrl, HTTP_PROXY: server.httpUrl, http_proxy: server.httpUrl, SSL_CERT_FILE: 'fauxcloud-ca.pem', NODE_EXTRA_CA_CERTS: 'fauxcloud-ca.pem', AWS_CA_BUNDLE: 'fauxcloud-ca.pem' });
  });

  it('gives the thumbprints of the certificate the HTTPS listener presents', async () => {
    const { body } = await admin(server).get<All>('/endpoints');
    const u = new URL(server.httpsUrl!);
    const sock = tlsConnect({ host: u.hostname, port: Number(u.port), ca: server.caPem });
    await new Promise<void>((resolve, reject) => sock.once('secureConnect', () => resolve()).once('error', reject));
    const peer = sock.getPeerCertificate();
    sock.destroy();
    expect(body.tls!.certificate).toEqual({ sha1: peer.fingerprint, sha256: peer.fingerprint256 });
    expect(body.tls!.certificate.sha1).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
  });

  it('answers AWS settings that an SDK client built from them uses as they are', async () => {
    const { body } = await admin(server).get<Connection & { cloud: string }>('/endpoints/aws');
    expect(body.cloud).toBe('aws');
    expect(body.env).toMatchObject({ AWS_ENDPOINT_URL: server.httpUrl, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_ENDPOINT: server.httpUrl });
    expect(body.config!['cloud.conf']).toMatchObject({ '[Global] Region': 'us-east-1', '[ServiceOverride "1"] Service': 'EC2', '[ServiceOverride "1"] URL': server.httpUrl, '[ServiceOverride "1"] SigningRegion': 'us-east-1' });
    expect(Object.entries(body.config!['cloud.conf']!).filter(([k]) => k.endsWith(' Service')).map(([, v]) => v)).toEqual(['EC2', 'Elastic Load Balancing', 'Elastic Load Balancing v2', 'KMS', 'ec2imds']);
    const ec2 = new EC2Client({ endpoint: body.env['AWS_ENDPOINT_URL'], region: body.env['AWS_REGION'], credentials: { accessKeyId: body.env['AWS_ACCESS_KEY_ID']!, secretAccessKey: body.env['AWS_SECRET_ACCESS_KEY']! } });
    const zones = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    expect(zones.AvailabilityZones!.map((z) => z.ZoneName)).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
  });

  it('answers Google Cloud settings whose URLs serve the project', async () => {
    const { body } = await admin(server).get<Connection>('/endpoints/gcp');
    const host = new URL(server.httpUrl).host;
    expect(body.tenant).toBe('fauxcloud-project');
    expect(body.env).toMatchObject({ GCE_METADATA_HOST: host, GOOGLE_CLOUD_PROJECT: 'fauxcloud-project' });
    expect(body.config!['gce.conf']).toEqual({ '[global] project-id': 'fauxcloud-project', '[global] local-zone': 'us-central1-a', '[global] api-endpoint': `${server.httpUrl}/compute/v1/`, '[global] token-url': 'nil' });
    expect(body.config!['pd-csi-driver']!['--compute-endpoint']).toBe(server.httpUrl);
    const zone = await fetch(`${body.urls['compute']}projects/fauxcloud-project/zones/us-central1-a`);
    expect(zone.status).toBe(200);
    const meta = await fetch(`http://${body.env['GCE_METADATA_HOST']}/computeMetadata/v1/project/project-id`, { headers: { 'Metadata-Flavor': 'Google' } });
    expect(await meta.text()).toBe('fauxcloud-project');
  });

  it('says which clouds exist when asked for one that does not', async () => {
    const { status, body } = await admin(server).get<{ error: string; message: string }>('/endpoints/nimbus');
    expect(status).toBe(404);
    expect(body.message).toMatch(/known: .*\bgcp\b/);
    expect(body.message).toMatch(/known: .*\baws\b/);
  });

  it('names the CA file when the server keeps one (--data-dir)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fauxcloud-endpoints-'));
    const s = await startFauxcloud({ httpsPort: 0, dataDir: dir });
    try {
      const { body } = await admin(s).get<All>('/endpoints');
      expect(body.ca!.path).toBe(join(dir, 'ca.pem'));
      expect(body.proxy.env['SSL_CERT_FILE']).toBe(join(dir, 'ca.pem'));
      expect(readFileSync(join(dir, 'ca.pem'), 'utf8')).toBe(s.caPem);
    } finally {
      await s.close();
    }
  });
});

describe('fauxcloud env', () => {
  it('prints a cloud\'s variables as export lines', async () => {
    const r = await runEnv(['aws', '--url', server.httpUrl]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`export AWS_ENDPOINT_URL=${server.httpUrl}\n`);
    expect(parseExports(r.out)).toMatchObject({ AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_ENDPOINT: server.httpUrl });
  });

  it('with --proxy, gives a cloud\'s variables that do not point at fauxcloud, and the proxy\'s', async () => {
    const r = await runEnv(['aws', '--proxy', '--url', server.httpUrl, '--ca-file', join(mkdtempSync(join(tmpdir(), 'fauxcloud-env-')), 'ca.pem')]);
    expect(r.code).toBe(0);
    const env = parseExports(r.out);
    expect(env).toMatchObject({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', HTTPS_PROXY: server.httpUrl });
    expect(Object.keys(env)).not.toContain('AWS_ENDPOINT_URL');
    expect(Object.keys(env)).not.toContain('AWS_EC2_ENDPOINT');
  });

  it('prints the proxy variables with the CA written to a file', async () => {
    const caFile = join(mkdtempSync(join(tmpdir(), 'fauxcloud-env-')), 'ca.pem');
    const r = await runEnv(['proxy', '--url', `${server.httpUrl}/`, '--ca-file', caFile]);
    expect(r.code).toBe(0);
    const env = parseExports(r.out);
    expect(env).toMatchObject({ HTTPS_PROXY: server.httpUrl, SSL_CERT_FILE: caFile, NODE_EXTRA_CA_CERTS: caFile });
    expect(readFileSync(caFile, 'utf8')).toBe(server.caPem);
  });

  it('fails with the server\'s reason for an unknown cloud, and with usage for no cloud', async () => {
    const unknown = await runEnv(['nimbus', '--url', server.httpUrl]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no cloud named "nimbus"');
    expect((await runEnv([])).code).toBe(2);
    const down = await runEnv(['aws', '--url', 'http://127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.err).toContain('cannot ask http://127.0.0.1:1');
  });

  it('quotes values for the shell', () => {
    expect(shellQuote('http://127.0.0.1:4600')).toBe('http://127.0.0.1:4600');
    expect(shellQuote("it's a $HOME")).toBe(`'it'\\''s a $HOME'`);
    expect(shellQuote('')).toBe("''");
  });
});
