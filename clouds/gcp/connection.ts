/**
 * Google Cloud connection settings (`GET /_fauxcloud/endpoints/gcp`, `fauxcloud env gcp`): the
 * metadata host Google's libraries read, Compute's base URL for the Go REST client and gcloud,
 * cloud-provider-gcp's gce.conf keys, the PD CSI driver's flags and auth-provider-gcp's proxy.
 */
import type { ConnectionInfo, ListenerUrls } from '../../core/cloud-api.js';
import type { Engine } from '../../core/engine.js';
import { gcpComponents } from './components.js';
import { G } from './records.js';

export const DEFAULT_PROJECT = 'fauxcloud-project';

/** The default scenario's project (else the first seeded one) and its first zone. */
function defaults(engine: Engine): { project: string; zone: string } {
  const gcp = engine.store.tenants().filter((t) => t.key.startsWith('gcp:'));
  const tenant = gcp.find((t) => t.key === `gcp:${DEFAULT_PROJECT}`) ?? gcp[0];
  const project = tenant ? tenant.key.slice('gcp:'.length) : DEFAULT_PROJECT;
  const zones = tenant ? [...tenant.collection(G.zone).all()].map((z) => z.id).sort() : [];
  return { project, zone: zones[0] ?? 'us-central1-a' };
}

export function gcpConnection(engine: Engine, where: ListenerUrls): ConnectionInfo {
  const url = where.httpUrl;
  const hostPort = new URL(url).host;
  const compute = `${url}/compute/v1/`;
  const { project, zone } = defaults(engine);
  return {
    urls: { compute, metadata: `${url}/computeMetadata/v1/`, token: `${url}/token`, ...(where.httpsUrl ? { computeHttps: `${where.httpsUrl}/compute/v1/` } : {}) },
    env: {
      // cloud.google.com/go/compute/metadata, Node's gcp-metadata, google-auth: metadata and ADC tokens.
      GCE_METADATA_HOST: hostPort,
      GCE_METADATA_IP: hostPort,
      GOOGLE_CLOUD_PROJECT: project,
      CLOUDSDK_CORE_PROJECT: project,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: compute,
    },
    config: {
      'gce.conf': {
        '[global] project-id': project,
        '[global] local-zone': zone,
        // The provider derives beta and alpha by replacing "v1" in it.
        '[global] api-endpoint': compute,
        // ADC through the metadata server (GCE_METADATA_HOST), not a token URL.
        '[global] token-url': 'nil',
      },
      'pd-csi-driver': { '--compute-endpoint': url, '[global] project-id': project, '[global] zone': zone },
      'auth-provider-gcp': { HTTP_PROXY: url },
      'service-account key': { token_uri: `${url}/token` },
    },
    tenant: project,
    credentials: { token: 'any bearer token: credentials are not checked', token_uri: `${url}/token` },
    notes: [
      `Go REST clients (google.golang.org/api/compute/v1): option.WithEndpoint("${compute}").`,
      `@google-cloud/compute: {fallback: true, apiEndpoint: '${new URL(url).hostname}', port: ${new URL(url).port || 80}, protocol: 'http'}.`,
      'auth-provider-gcp hard-codes http://metadata.google.internal: HTTP_PROXY routes it here. The pd-csi-driver entry holds its flag and its --cloud-config keys.',
      'The metadata server speaks for the instance in the header X-Fauxcloud-Instance, else the first one; POST /_fauxcloud/listeners pins one instance to a port.',
      'With no endpoint setting at all, the proxy settings (HTTPS_PROXY and the CA) reach fauxcloud at compute.googleapis.com, oauth2.googleapis.com (a service-account key\'s default token_uri) and metadata.google.internal.',
    ],
    components: gcpComponents({ url, project, zone }),
  };
}
