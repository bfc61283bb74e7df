/**
 * TLS for clients that refuse plain HTTP: a CA fauxcloud makes itself (kept in the data dir when
 * one is given, so trust survives restarts) and a server certificate for localhost, 127.0.0.1,
 * ::1 and any extra names. The CA is served at /_fauxcloud/ca.pem.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
  /**
   * A certificate for other names, signed by the same CA, for the key `keyPem` (the HTTPS proxy
   * mints one per host name it answers for; one key for all keeps minting to one signature).
   */
  issue?(names: readonly string[]): Promise<string>;
}

interface CaPair {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  pem: string;
}

export async function tlsMaterial(opts: { dataDir?: string; names: readonly string[] }): Promise<TlsMaterial> {
  const ca = await loadOrCreateCa(opts.dataDir);
  const names = [...new Set(['localhost', '127.0.0.1', '::1', ...opts.names])];
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const issue = async (sans: readonly string[]): Promise<string> => (await leaf(ca, keys.publicKey, sans)).toString('pem');
  return { caPem: ca.pem, certPem: await issue(names), keyPem: await pemKey(keys.privateKey), issue };
}

async function leaf(ca: CaPair, publicKey: CryptoKey, names: readonly string[]): Promise<x509.X509Certificate> {
  const now = Date.now();
  return x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names[0] && names.length === 1 ? names[0] : 'fauxcloud'}`,
    issuer: ca.cert.subject,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 365 * 86400_000),
    signingAlgorithm: ALG,
    publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
}

async function loadOrCreateCa(dataDir: string | undefined): Promise<CaPair> {
  const certPath = dataDir && join(dataDir, 'ca.pem');
  const keyPath = dataDir && join(dataDir, 'ca-key.pem');
  if (certPath && keyPath && existsSync(certPath) && existsSync(keyPath)) {
    const pem = readFileSync(certPath, 'utf8');
    const cert = new x509.X509Certificate(pem);
    const der = Buffer.from(readFileSync(keyPath, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const privateKey = await webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign']);
    return { cert, keys: { privateKey, publicKey: await cert.publicKey.export(ALG, ['verify']) }, pem };
  }
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=fauxcloud local CA, O=fauxcloud',
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 10 * 365 * 86400_000),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pem = cert.toString('pem');
  if (dataDir && certPath && keyPath) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(certPath, pem);
    writeFileSync(keyPath, await pemKey(keys.privateKey), { mode: 0o600 });
  }
  return { cert, keys, pem };
}

async function pemKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}
