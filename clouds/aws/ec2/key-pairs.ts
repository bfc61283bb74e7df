/**
 * Key pairs: CreateKeyPair (real key material, EC2's fingerprints), ImportKeyPair (OpenSSH public
 * keys), DescribeKeyPairs, DeleteKeyPair. Names are unique per account and region.
 */
import type {
  CreateKeyPairRequest,
  DeleteKeyPairRequest,
  DeleteKeyPairResult,
  DescribeKeyPairsRequest,
  DescribeKeyPairsResult,
  ImportKeyPairRequest,
  ImportKeyPairResult,
  KeyPair,
  KeyPairInfo,
} from '@aws-sdk/client-ec2';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { ResourceRecord } from '../../../core/store.js';
import { ec2Error, Ec2Errors } from '../shared/errors.js';
import { checkDryRun, filterRecords, tagsFor, wireTags } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { T, type KeyPairData } from './records.js';

type KeyRecord = ResourceRecord<KeyPairData>;

const keyPairs = (ctx: Ec2Context) => ctx.tenant.collection<KeyPairData>(T.keyPair);
const notFound = (name: string) => ec2Error('InvalidKeyPair.NotFound', `The key pair '${name}' does not exist`);

export function findKeyPair(ctx: Ec2Context, name: string): KeyRecord | undefined {
  return keyPairs(ctx).list({ region: ctx.region }).find((k) => k.data.keyName === name);
}

/** RunInstances' KeyName must name a key pair of the region. */
export function requireKeyPair(ctx: Ec2Context, name: string): KeyRecord {
  const k = findKeyPair(ctx, name);
  if (!k) throw notFound(name);
  return k;
}

function checkName(name: string | undefined): string {
  if (name === undefined) throw Ec2Errors.missingParameter('KeyName');
  if (name.length === 0 || name.length > 255) throw Ec2Errors.invalidParameterValue(`Value (${name}) for parameter keyName is invalid. Length exceeds maximum of 255 characters.`);
  return name;
}

const colons = (hex: string) => hex.replace(/(..)(?!$)/g, '$1:');

function store(ctx: Ec2Context, name: string, keyType: 'rsa' | 'ed25519', fingerprint: string, publicKey: string, tags: Record<string, string>): KeyRecord {
  if (findKeyPair(ctx, name)) throw ec2Error('InvalidKeyPair.Duplicate', `The keypair '${name}' already exists.`);
  const id = ctx.newId('key');
  return keyPairs(ctx).insert({ id, region: ctx.region, tags, data: { keyName: name, keyPairId: id, keyType, fingerprint, publicKey, createTime: ctx.now().toISOString() } });
}

/** The OpenSSH wire blob of a public key (what `ssh-rsa AAAA…` carries in base64). */
function sshBlob(key: ReturnType<typeof createPublicKey>, keyType: 'rsa' | 'ed25519'): Buffer {
  const str = (b: Buffer) => Buffer.concat([u32(b.length), b]);
  if (keyType === 'ed25519') {
    const raw = Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
    return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
  }
  const jwk = key.export({ format: 'jwk' });
  const mpint = (b64: string) => {
    const b = Buffer.from(b64, 'base64url');
    return str(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  };
  return Buffer.concat([str(Buffer.from('ssh-rsa')), mpint(jwk.e!), mpint(jwk.n!)]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function createKeyPair(input: CreateKeyPairRequest, ctx: Ec2Context): KeyPair {
  const name = checkName(input.KeyName);
  const keyType = input.KeyType ?? 'rsa';
  if (keyType !== 'rsa' && keyType !== 'ed25519') throw Ec2Errors.invalidParameterValue(`Value (${keyType}) for parameter KeyType is invalid.`);
  if (input.KeyFormat !== undefined && input.KeyFormat !== 'pem' && input.KeyFormat !== 'ppk') throw Ec2Errors.invalidParameterValue(`Value (${input.KeyFormat}) for parameter KeyFormat is invalid.`);
  const tags = tagsFor(input.TagSpecifications, 'key-pair', ['key-pair']);
  checkDryRun(input);
  if (findKeyPair(ctx, name)) throw ec2Error('InvalidKeyPair.Duplicate', `The keypair '${name}' already exists.`);
  const pair = keyType === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  // EC2's fingerprints for keys it creates: SHA-1 of the PKCS#8 private key (RSA), SHA-256 of the public key blob (ED25519).
  const fingerprint =
    keyType === 'rsa'
      ? colons(createHash('sha1').update(pair.privateKey.export({ format: 'der', type: 'pkcs8' })).digest('hex'))
      : createHash('sha256').update(sshBlob(pair.publicKey, 'ed25519')).digest('base64');
  const material = keyType === 'rsa' ? pair.privateKey.export({ format: 'pem', type: 'pkcs1' }).toString() : pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const publicKey = `${keyType === 'rsa' ? 'ssh-rsa' : 'ssh-ed25519'} ${sshBlob(pair.publicKey, keyType).toString('base64')}`;
  const rec = store(ctx, name, keyType, fingerprint, publicKey, tags);
  ctx.touch(rec.id);
  return { KeyName: name, KeyFingerprint: fingerprint, KeyMaterial: material.trimEnd(), KeyPairId: rec.id, Tags: Object.keys(tags).length ? wireTags(tags) : undefined };
}

/** Parse `ssh-rsa AAAA… comment` (or the blob's base64 alone); EC2 also takes PEM/DER, which callers rarely send. */
function parsePublicKey(material: Uint8Array): { keyType: 'rsa' | 'ed25519'; blob: Buffer } {
  const text = Buffer.from(material).toString('utf8').trim();
  const parts = text.split(/\s+/);
  const b64 = parts.length >= 2 ? parts[1]! : parts[0]!;
  const blob = Buffer.from(b64, 'base64');
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  const type = blob.subarray(4, 4 + len).toString('latin1');
  if (type === 'ssh-rsa') return { keyType: 'rsa', blob };
  if (type === 'ssh-ed25519') return { keyType: 'ed25519', blob };
  throw Ec2Errors.invalidParameterValue('Value for parameter PublicKeyMaterial is invalid. Key is not in valid OpenSSH public key format');
}

function importKeyPair(input: ImportKeyPairRequest, ctx: Ec2Context): ImportKeyPairResult {
  const name = checkName(input.KeyName);
  if (!input.PublicKeyMaterial) throw Ec2Errors.missingParameter('PublicKeyMaterial');
  const { keyType, blob } = parsePublicKey(input.PublicKeyMaterial);
  const tags = tagsFor(input.TagSpecifications, 'key-pair', ['key-pair']);
  checkDryRun(input);
  // Imported keys: MD5 of the public key blob (RSA, RFC 4716), SHA-256 base64 (ED25519).
  const fingerprint = keyType === 'rsa' ? colons(createHash('md5').update(blob).digest('hex')) : createHash('sha256').update(blob).digest('base64');
  const rec = store(ctx, name, keyType, fingerprint, `${keyType === 'rsa' ? 'ssh-rsa' : 'ssh-ed25519'} ${blob.toString('base64')}`, tags);
  ctx.touch(rec.id);
  return { KeyName: name, KeyFingerprint: fingerprint, KeyPairId: rec.id, Tags: Object.keys(tags).length ? wireTags(tags) : undefined };
}

function render(r: KeyRecord, withPublic: boolean): KeyPairInfo {
  return {
    KeyPairId: r.id,
    KeyName: r.data.keyName,
    KeyFingerprint: r.data.fingerprint,
    KeyType: r.data.keyType,
    CreateTime: new Date(r.data.createTime),
    PublicKey: withPublic ? r.data.publicKey : undefined,
    Tags: Object.keys(r.tags).length ? wireTags(r.tags) : [],
  };
}

function describeKeyPairs(input: DescribeKeyPairsRequest, ctx: Ec2Context): DescribeKeyPairsResult {
  checkDryRun(input);
  let found = keyPairs(ctx).list({ region: ctx.region });
  for (const name of input.KeyNames ?? []) if (!found.some((k) => k.data.keyName === name)) throw notFound(name);
  for (const id of input.KeyPairIds ?? []) if (!found.some((k) => k.id === id)) throw ec2Error('InvalidKeyPair.NotFound', `The key pair ID '${id}' does not exist`);
  if (input.KeyNames?.length) found = found.filter((k) => input.KeyNames!.includes(k.data.keyName));
  if (input.KeyPairIds?.length) found = found.filter((k) => input.KeyPairIds!.includes(k.id));
  found = filterRecords(found, input.Filters, {
    tags: true,
    fields: { 'key-name': (r) => r.data.keyName, 'key-pair-id': (r) => r.id, fingerprint: (r) => r.data.fingerprint, 'key-type': (r) => r.data.keyType },
  });
  return { KeyPairs: found.map((r) => render(r, input.IncludePublicKey === true)) };
}

function deleteKeyPair(input: DeleteKeyPairRequest, ctx: Ec2Context): DeleteKeyPairResult {
  if (input.KeyName === undefined && input.KeyPairId === undefined) throw Ec2Errors.missingParameter('KeyName');
  checkDryRun(input);
  // Deleting a key pair that does not exist succeeds, as in EC2.
  const rec = input.KeyPairId !== undefined ? keyPairs(ctx).peek(input.KeyPairId) : findKeyPair(ctx, input.KeyName!);
  if (rec && rec.region === ctx.region) keyPairs(ctx).delete(rec.id);
  return { Return: true, KeyPairId: rec?.id };
}

export const keyPairOperations = {
  CreateKeyPair: op(createKeyPair),
  ImportKeyPair: op(importKeyPair),
  DescribeKeyPairs: op(describeKeyPairs),
  DeleteKeyPair: op(deleteKeyPair),
};
