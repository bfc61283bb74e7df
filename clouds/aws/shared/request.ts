/**
 * Who is calling and for what: the SigV4 credential scope (`AKID/date/region/service/aws4_request`)
 * in the Authorization header or a presigned query, the form parameters of query protocols, and
 * the access key → account mapping (a 12-digit key is the account, as LocalStack does).
 */
import type { WireRequest } from '../../../core/cloud-api.js';
import type { Engine } from '../../../core/engine.js';
import { scenarioKeys } from '../auth/strict.js';

export const DEFAULT_ACCOUNT = '000000000000';
export const DEFAULT_REGION = 'us-east-1';

export interface CredentialScope {
  accessKeyId: string;
  region: string;
  service: string;
}

const SCOPE = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

export function credentialScope(req: WireRequest): CredentialScope | undefined {
  const auth = req.headers.authorization;
  const text = typeof auth === 'string' && auth.startsWith('AWS4-') ? auth : req.query.has('X-Amz-Credential') ? `Credential=${req.query.get('X-Amz-Credential')}` : undefined;
  const m = text && SCOPE.exec(text);
  return m ? { accessKeyId: m[1]!, region: m[2]!, service: m[3]! } : undefined;
}

/** Query-protocol parameters: the query string and, for form posts, the body. */
export function formParams(req: WireRequest): URLSearchParams {
  const ct = req.headers['content-type'];
  if (req.body.length === 0 || (typeof ct === 'string' && !ct.startsWith('application/x-www-form-urlencoded'))) return req.query;
  const params = new URLSearchParams(req.query);
  for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) params.append(k, v);
  return params;
}

/** Who an access key belongs to: an account, and for STS-issued keys the assumed role's ARN. */
export interface Principal {
  account: string;
  assumedRoleArn?: string;
  assumedRoleId?: string;
}

/**
 * Access key → principal: the seed's `accessKeys`, the scenario's `auth.aws.keys`, then keys STS
 * issued (core's credential registry, so they survive export/import and restarts).
 */
export class AccountResolver {
  private readonly byKey = new Map<string, Principal>();

  constructor(private readonly engine: Engine) {}

  account(accessKeyId: string | undefined): string {
    return this.principal(accessKeyId).account;
  }

  principal(accessKeyId: string | undefined): Principal {
    if (!accessKeyId) return { account: DEFAULT_ACCOUNT };
    if (/^\d{12}$/.test(accessKeyId)) return { account: accessKeyId };
    const seeded = this.byKey.get(accessKeyId);
    if (seeded) return seeded;
    const declared = scenarioKeys(this.engine).find((k) => k.accessKeyId === accessKeyId);
    if (declared) return { account: declared.account ?? DEFAULT_ACCOUNT };
    const p = this.engine.auth.find('aws', accessKeyId)?.principal;
    if (p?.['account']) return { account: p['account'], assumedRoleArn: p['arn'], assumedRoleId: p['roleId'] };
    return { account: DEFAULT_ACCOUNT };
  }

  map(accessKeyId: string, account: string): void {
    this.byKey.set(accessKeyId, { account });
  }

  clear(): void {
    this.byKey.clear();
  }
}
