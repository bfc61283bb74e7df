/**
 * Stable, seed-derived identities that must not change between calls: the account's default
 * EBS key per region (what `aws/ebs` resolves to), and secrets that look like AWS's.
 */
import { createHash } from 'node:crypto';
import type { Engine } from '../../../core/engine.js';

function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function defaultEbsKeyId(engine: Engine, account: string, region: string): string {
  return uuidFrom(`${engine.seed}:aws/ebs:${account}:${region}`);
}

export function kmsKeyArn(account: string, region: string, keyId: string): string {
  return `arn:aws:kms:${region}:${account}:key/${keyId}`;
}
