/**
 * IMDS request handling: `PUT /latest/api/token` (the TTL header must be echoed, or the Go SDK
 * silently falls back to IMDSv1), token checks on GETs (IMDSv1 without a token is allowed, as with
 * HttpTokens=optional), and the `/latest/` tree. Tokens live on the virtual clock.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Engine } from '../../../core/engine.js';
import { findImdsInstance, identityDocument, metadata, NOT_FOUND, type ImdsInstance, type ImdsReply } from './metadata.js';

export const INSTANCE_HEADER = 'x-fauxcloud-instance-id';
const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
const TOKEN_HEADER = 'x-aws-ec2-metadata-token';

/** The registry namespace of IMDSv2 session tokens. */
const IMDS_TOKENS = 'aws-imds';

const plain = (status: number, body: string): ImdsReply => ({ status, body, contentType: 'text/plain' });

export class ImdsService {
  constructor(
    private readonly engine: Engine,
    private readonly defaultAccount: () => string,
  ) {}

  /** The instance a request speaks for (header, else the default account's first running instance). */
  instanceFor(headers: IncomingHttpHeaders): ImdsInstance | undefined {
    const id = headers[INSTANCE_HEADER];
    return findImdsInstance(this.engine, typeof id === 'string' ? id : undefined, this.defaultAccount());
  }

  serve(method: string, path: string, headers: IncomingHttpHeaders, inst: ImdsInstance | undefined): ImdsReply {
    if (!inst) return NOT_FOUND;
    if (path === '/latest/api/token') return method === 'PUT' ? this.issueToken(headers, inst) : plain(405, 'Method Not Allowed');
    if (method !== 'GET' && method !== 'HEAD') return plain(405, 'Method Not Allowed');
    const token = headers[TOKEN_HEADER];
    if (typeof token === 'string') {
      const t = this.engine.auth.verify(IMDS_TOKENS, token);
      if (!t.ok || t.credential.principal['instanceId'] !== inst.record.id) return plain(401, 'Unauthorized');
    }
    if (path === '/latest' || path === '/latest/') return plain(200, 'dynamic\nmeta-data\nuser-data');
    if (path === '/latest/dynamic' || path === '/latest/dynamic/') return plain(200, 'instance-identity/');
    if (path === '/latest/dynamic/instance-identity' || path === '/latest/dynamic/instance-identity/') return plain(200, 'document');
    if (path === '/latest/dynamic/instance-identity/document') return identityDocument(inst);
    if (path === '/latest/meta-data' || path.startsWith('/latest/meta-data/')) return metadata(inst, path.slice('/latest/meta-data/'.length));
    return NOT_FOUND;
  }

  private issueToken(headers: IncomingHttpHeaders, inst: ImdsInstance): ImdsReply {
    // IMDS refuses token requests that went through a proxy.
    if (headers['x-forwarded-for'] !== undefined) return plain(403, 'Forbidden');
    const raw = headers[TTL_HEADER];
    const ttl = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(ttl >= 1 && ttl <= 21600)) return plain(400, 'Bad Request');
    const token = `AQAEA${this.engine.ids.alnum('aws:imds-token', 50)}==`;
    // In core's credential registry: expiry on the virtual clock, pruned there, kept across restarts.
    this.engine.auth.issue(IMDS_TOKENS, token, this.engine.clock.now() + ttl * 1000, { instanceId: inst.record.id });
    return { status: 200, body: token, contentType: 'text/plain', headers: { [TTL_HEADER]: String(ttl) } };
  }
}
