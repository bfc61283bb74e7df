/**
 * `GET /_fauxcloud/endpoints`: how callers reach fauxcloud. Each cloud's own connection settings
 * (its `connection()`: URLs, env, config keys, tenant, credentials), the proxy settings that let
 * an unchanged component reach the real host names, the CA, and the HTTPS certificate's
 * thumbprints (vSphere configs pin them).
 */
import { X509Certificate } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { ConnectionInfo, ListenerUrls } from '../cloud-api.js';
import type { AdminOptions } from './index.js';

/** Where the CA goes when the server keeps none on disk: what `curl …/ca.pem > fauxcloud-ca.pem` writes. */
export const CA_PLACEHOLDER = 'fauxcloud-ca.pem';

const Strings = Type.Record(Type.String(), Type.String());
const Connection = Type.Object({
  urls: Strings,
  env: Strings,
  config: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])), { description: 'per file, `[section] key` → value' })),
  tenant: Type.Optional(Type.String()),
  credentials: Type.Optional(Strings),
  notes: Type.Optional(Type.Array(Type.String())),
});
const Ca = Type.Object({
  url: Type.String({ description: 'the CA certificate (PEM) over HTTP' }),
  path: Type.Optional(Type.String({ description: 'the CA file on the server, with --data-dir' })),
});
const Thumbprints = Type.Object({
  sha1: Type.String({ description: 'colon-separated upper-case hex, as vSphere configs write it' }),
  sha256: Type.String(),
});
const Tls = Type.Object({ certificate: Thumbprints, ca: Thumbprints });
const Proxy = Type.Object({
  url: Type.String({ description: 'any fauxcloud listener is an HTTP(S) forward proxy (CONNECT)' }),
  env: Strings,
  notes: Type.Array(Type.String()),
});
const Listeners = Type.Object({ http: Type.String(), https: Type.Optional(Type.String()) });
const All = Type.Object({
  listeners: Listeners,
  ca: Type.Optional(Ca),
  tls: Type.Optional(Tls),
  proxy: Proxy,
  clouds: Type.Record(Type.String(), Connection),
});
const One = Type.Composite([Type.Object({ cloud: Type.String(), listeners: Listeners, ca: Type.Optional(Ca), tls: Type.Optional(Tls), proxy: Proxy }), Connection]);
const Missing = Type.Object({ error: Type.String(), message: Type.String() });

type ProxyInfo = Static<typeof Proxy>;

export async function endpointRoutes(app: FastifyInstance, { engine, caPem, certPem }: AdminOptions): Promise<void> {
  const tls = caPem && certPem ? { certificate: thumbprints(certPem), ca: thumbprints(caPem) } : undefined;

  /** The listeners as the server knows them, else as the caller reached this one. */
  const where = (req: FastifyRequest): ListenerUrls => ({
    httpUrl: engine.listeners.httpUrl ?? `http://${req.headers.host ?? '127.0.0.1'}`,
    httpsUrl: engine.listeners.httpsUrl,
    caPath: caPem ? engine.listeners.caPath : undefined,
  });
  const common = (w: ListenerUrls) => ({
    listeners: { http: w.httpUrl, https: w.httpsUrl },
    ca: caPem ? { url: `${w.httpUrl}/_fauxcloud/ca.pem`, path: w.caPath } : undefined,
    tls,
    proxy: proxySettings(w, caPem !== undefined),
  });

  app.get(
    '/endpoints',
    { schema: { tags: ['endpoints'], summary: 'How callers reach fauxcloud: each cloud, the proxy, the CA', response: { 200: All } } },
    async (req) => {
      const w = where(req);
      const clouds: Record<string, ConnectionInfo> = {};
      for (const api of engine.clouds.list()) if (api.connection) clouds[api.name] = api.connection(w);
      return { ...common(w), clouds };
    },
  );
  app.get<{ Params: { cloud: string } }>(
    '/endpoints/:cloud',
    { schema: { tags: ['endpoints'], summary: "One cloud's connection settings", params: Type.Object({ cloud: Type.String() }), response: { 200: One, 404: Missing } } },
    async (req, reply) => {
      const api = engine.clouds.get(req.params.cloud);
      if (!api?.connection) {
        const known = engine.clouds.list().filter((c) => c.connection).map((c) => c.name);
        return reply.code(404).send({
          error: 'NotFound',
          message: `${api ? `cloud ${api.name} has no connection settings yet` : `no cloud named ${JSON.stringify(req.params.cloud)}`}; known: ${known.join(', ')}`,
        });
      }
      const w = where(req);
      return { cloud: api.name, ...common(w), ...api.connection(w) };
    },
  );
}

function proxySettings(w: ListenerUrls, tlsOn: boolean): ProxyInfo {
  const ca = w.caPath ?? CA_PLACEHOLDER;
  const env: Record<string, string> = {
    HTTPS_PROXY: w.httpUrl,
    https_proxy: w.httpUrl,
    HTTP_PROXY: w.httpUrl,
    // curl reads only the lower-case http_proxy.
    http_proxy: w.httpUrl,
    NO_PROXY: '127.0.0.1,localhost,::1',
    no_proxy: '127.0.0.1,localhost,::1',
  };
  if (tlsOn)
    Object.assign(env, {
      // Go (crypto/x509) and OpenSSL: the file replaces the system roots.
      SSL_CERT_FILE: ca,
      AWS_CA_BUNDLE: ca,
      NODE_EXTRA_CA_CERTS: ca,
      REQUESTS_CA_BUNDLE: ca,
      CURL_CA_BUNDLE: ca,
    });
  const notes = [
    'With these, an unchanged component reaches the real host names (ec2.us-east-1.amazonaws.com, compute.googleapis.com, oauth2.googleapis.com, 169.254.169.254, …) with no endpoint setting: fauxcloud answers CONNECT, terminates TLS with a certificate for the host signed by its CA, and serves the request as its own.',
    'A host no cloud emulates answers 502 {"error":"UnknownHost"} naming it; the journal records each request\'s host (GET /_fauxcloud/journal?host=…).',
    'Go and most clients skip the proxy for loopback addresses, so fauxcloud\'s own URLs stay direct.',
  ];
  if (!tlsOn) notes.push('HTTPS is off (--https-port off): there is no CA, so only plain-HTTP requests are proxied.');
  else {
    notes.push(`Trust the CA: curl -o ${CA_PLACEHOLDER} ${w.httpUrl}/_fauxcloud/ca.pem${w.caPath ? ` (or use ${w.caPath})` : ''}; SSL_CERT_FILE replaces the system roots for Go and OpenSSL, NODE_EXTRA_CA_CERTS adds to Node's; system-wide on Debian: copy it to /usr/local/share/ca-certificates/fauxcloud.crt and run update-ca-certificates; Java: keytool -importcert -cacerts -alias fauxcloud -file ${CA_PLACEHOLDER}.`);
    notes.push('Tunnels speak HTTP/1.1 (no h2 is offered in ALPN), so gRPC-only clients cannot use the proxy.');
  }
  return { url: w.httpUrl, env, notes };
}

function thumbprints(pem: string): Static<typeof Thumbprints> {
  const cert = new X509Certificate(pem);
  return { sha1: cert.fingerprint, sha256: cert.fingerprint256 };
}
