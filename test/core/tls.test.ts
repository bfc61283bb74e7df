/**
 * fauxcloud's own CA and certificates, as a TLS client sees them: a node TLS client trusting only
 * the CA accepts the server certificate for every name it carries and refuses other names; the
 * CA kept in a data dir is the same after a restart and keeps signing what clients accept.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tlsMaterial, type TlsMaterial } from '../../core/tls.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(m: TlsMaterial): Promise<number> {
  const s = createServer({ cert: m.certPem, key: m.keyPem }, (_req, res) => res.end('ok'));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

/** GET / over TLS to 127.0.0.1:port, trusting only `ca`, checking the certificate against `servername`. */
function get(port: number, ca: string, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, ca, servername: servername === '127.0.0.1' ? undefined : servername, agent: false, headers: { host: servername } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS material', () => {
  it('makes a CA and a server certificate a TLS client trusting only the CA accepts', async () => {
    const m = await tlsMaterial({ names: ['fauxcloud.internal'] });
    const ca = new X509Certificate(m.caPem);
    const leaf = new X509Certificate(m.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:fauxcloud.internal');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const port = await serve(m);
    expect(await get(port, m.caPem, '127.0.0.1')).toBe('ok');
    expect(await get(port, m.caPem, 'fauxcloud.internal')).toBe('ok');
    await expect(get(port, m.caPem, 'elsewhere.example')).rejects.toThrow(/altnames/);
  });

  it('issues certificates for other names (the proxy) from the same CA', async () => {
    const m = await tlsMaterial({ names: [] });
    const pem = await m.issue!(['ec2.us-east-1.amazonaws.com']);
    const leaf = new X509Certificate(pem);
    expect(leaf.subject).toBe('CN=ec2.us-east-1.amazonaws.com');
    expect(leaf.subjectAltName).toBe('DNS:ec2.us-east-1.amazonaws.com');
    expect(leaf.checkIssued(new X509Certificate(m.caPem))).toBe(true);
    const port = await serve({ ...m, certPem: pem });
    expect(await get(port, m.caPem, 'ec2.us-east-1.amazonaws.com')).toBe('ok');
  });

  it('keeps the CA in the data dir: a restart signs with the same CA and clients still trust it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fauxcloud-tls-'));
    try {
      const first = await tlsMaterial({ dataDir: dir, names: [] });
      expect(readFileSync(join(dir, 'ca.pem'), 'utf8')).toBe(first.caPem);
      const second = await tlsMaterial({ dataDir: dir, names: [] });
      expect(second.caPem).toBe(first.caPem);
      expect(second.certPem).not.toBe(first.certPem);
      expect(await get(await serve(second), first.caPem, 'localhost')).toBe('ok');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
