/**
 * TLS for clients that refuse plain HTTP: a CA fauxcloud makes itself (kept in the data dir when
 * one is given, so trust survives restarts) and a server certificate for localhost, 127.0.0.1,
 * ::1 and any extra names. The CA is served at /_fauxcloud/ca.pem.
 *
 * Certificates are ECDSA P-256, written as DER here and signed with node:crypto: making the CA
 * and a leaf takes milliseconds, so start-up does not wait on an X.509 library (issue #16).
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { bitString, boolTrue, children, octetString, oid, seq, TAG, time, tlv, unsignedInteger, utf8 } from './der.js';

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
  /** The CA's subject Name, DER: every leaf's issuer. */
  subject: Buffer;
  /** The CA's subject key identifier: every leaf's authority key identifier. */
  keyId: Buffer;
  privateKey: KeyObject;
  pem: string;
}

const ECDSA_WITH_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const EXT = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
} as const;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

export async function tlsMaterial(opts: { dataDir?: string; names: readonly string[] }): Promise<TlsMaterial> {
  const ca = loadOrCreateCa(opts.dataDir);
  const names = [...new Set(['localhost', '127.0.0.1', '::1', ...opts.names])];
  const { publicKey, privateKey } = ecKeys();
  const issue = async (sans: readonly string[]): Promise<string> => leaf(ca, publicKey, sans);
  return { caPem: ca.pem, certPem: await issue(names), keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), issue };
}

function ecKeys(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

function leaf(ca: CaPair, publicKey: KeyObject, names: readonly string[]): string {
  const now = Date.now();
  const san = names.map((n) => (isIP(n) ? tlv(0x87, ipBytes(n)) : tlv(0x82, Buffer.from(n, 'latin1'))));
  return certificate({
    issuer: ca.subject,
    subject: name(names[0] && names.length === 1 ? names[0] : 'fauxcloud'),
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 365 * 86400_000),
    publicKey,
    signingKey: ca.privateKey,
    extensions: [
      extension(EXT.basicConstraints, seq(), true),
      // digitalSignature (bit 0) and keyEncipherment (bit 2).
      extension(EXT.keyUsage, bitString(Buffer.from([0xa0]), 5), true),
      extension(EXT.extKeyUsage, seq(oid(SERVER_AUTH))),
      extension(EXT.subjectAltName, seq(...san)),
      extension(EXT.authorityKeyId, seq(tlv(0x80, ca.keyId))),
    ],
  });
}

function loadOrCreateCa(dataDir: string | undefined): CaPair {
  const certPath = dataDir && join(dataDir, 'ca.pem');
  const keyPath = dataDir && join(dataDir, 'ca-key.pem');
  if (certPath && keyPath && existsSync(certPath) && existsSync(keyPath)) {
    const pem = readFileSync(certPath, 'utf8');
    const { subject, keyId } = caFields(new X509Certificate(pem).raw);
    return { subject, keyId, privateKey: createPrivateKey(readFileSync(keyPath, 'utf8')), pem };
  }
  const { publicKey, privateKey } = ecKeys();
  const now = Date.now();
  const subject = name('fauxcloud local CA', 'fauxcloud');
  const keyId = keyIdentifier(publicKey);
  const pem = certificate({
    issuer: subject,
    subject,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 10 * 365 * 86400_000),
    publicKey,
    signingKey: privateKey,
    extensions: [
      // cA, path length 0: it signs leaves only.
      extension(EXT.basicConstraints, seq(boolTrue(), unsignedInteger(Buffer.from([0]))), true),
      // keyCertSign (bit 5) and cRLSign (bit 6).
      extension(EXT.keyUsage, bitString(Buffer.from([0x06]), 1), true),
      extension(EXT.subjectKeyId, octetString(keyId)),
    ],
  });
  if (dataDir && certPath && keyPath) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(certPath, pem);
    writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return { subject, keyId, privateKey, pem };
}

interface CertificateFields {
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  signingKey: KeyObject;
  extensions: Buffer[];
}

/** A v3 certificate signed with ECDSA-SHA256, as PEM. */
function certificate(f: CertificateFields): string {
  const tbs = seq(
    tlv(0xa0, unsignedInteger(Buffer.from([2]))), // [0] version: v3
    unsignedInteger(serial()),
    ECDSA_WITH_SHA256,
    f.issuer,
    seq(time(f.notBefore), time(f.notAfter)),
    f.subject,
    f.publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(...f.extensions)), // [3] extensions
  );
  const der = seq(tbs, ECDSA_WITH_SHA256, bitString(sign('sha256', tbs, f.signingKey)));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END CERTIFICATE-----\n`;
}

function extension(id: string, value: Buffer, critical = false): Buffer {
  return critical ? seq(oid(id), boolTrue(), octetString(value)) : seq(oid(id), octetString(value));
}

/** A Name of a common name and, optionally, an organization. */
function name(commonName: string, organization?: string): Buffer {
  const rdn = (type: string, value: string) => tlv(TAG.SET, seq(oid(type), utf8(value)));
  return seq(rdn('2.5.4.3', commonName), ...(organization === undefined ? [] : [rdn('2.5.4.10', organization)]));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(publicKey: KeyObject): Buffer {
  return keyIdOfSpki(publicKey.export({ type: 'spki', format: 'der' }));
}

function keyIdOfSpki(spki: Buffer): Buffer {
  const [, key] = children(children(spki)[0]!.content);
  return createHash('sha1').update(key!.content.subarray(1)).digest();
}

/** A stored CA's subject and key identifier (its SKI extension, else computed from its key). */
function caFields(der: Buffer): { subject: Buffer; keyId: Buffer } {
  const [tbs] = children(children(der)[0]!.content);
  const fields = children(tbs!.content);
  const at = fields[0]!.tag === 0xa0 ? 1 : 0; // [0] version is optional (v1)
  const subject = fields[at + 4]!.der;
  const spki = fields[at + 5]!.der;
  const extensions = fields.find((e) => e.tag === 0xa3);
  for (const ext of extensions ? children(children(extensions.content)[0]!.content) : []) {
    const [id, ...rest] = children(ext.content);
    if (id!.der.equals(oid(EXT.subjectKeyId))) return { subject, keyId: children(rest[rest.length - 1]!.content)[0]!.content };
  }
  return { subject, keyId: keyIdOfSpki(spki) };
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.from(all.flatMap((g) => { const v = parseInt(g, 16); return [v >> 8, v & 0xff]; }));
}

function serial(): Buffer {
  const b = randomBytes(16);
  // Positive and minimal: strict parsers (Go's) refuse a leading zero byte.
  b[0] = (b[0]! & 0x7f) | 0x10;
  return b;
}
