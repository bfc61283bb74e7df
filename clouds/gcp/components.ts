/**
 * The config files of the Google Cloud components fauxcloud proves (`fauxcloud config
 * <component>`): cloud-provider-gcp's gce.conf, the PD CSI driver's cloud-config and flags, and
 * kubelet's CredentialProviderConfig for auth-provider-gcp. Core renders them.
 */
import { credentialProviderConfigFile, type ComponentConfig } from '../../core/component-config.js';

export interface GcpDefaults {
  /** fauxcloud's base URL (Compute under /compute/v1/, metadata under /computeMetadata/v1/). */
  url: string;
  project: string;
  zone: string;
}

export function gcpComponents({ url, project, zone }: GcpDefaults): ComponentConfig[] {
  const metadataEnv = { GCE_METADATA_HOST: new URL(url).host };
  return [
    {
      component: 'cloud-provider-gcp',
      summary: 'The GCE cloud-controller-manager: --cloud-provider=gce --cloud-config=gce.conf, with cloud-provider-gcp.env in its environment (the metadata server its credentials come from).',
      files: [
        {
          name: 'gce.conf',
          format: 'ini',
          sections: [
            {
              name: 'global',
              keys: {
                'project-id': project,
                'local-zone': zone,
                // The provider derives the beta and alpha endpoints by replacing "v1" in it.
                'api-endpoint': `${url}/compute/v1/`,
                // Application Default Credentials through the metadata server, not a token URL.
                'token-url': 'nil',
              },
            },
          ],
        },
        { name: 'cloud-provider-gcp.env', format: 'env', values: metadataEnv },
      ],
      notes: ['Add "[global] multizone=true" to manage every zone of the region, and network-name, subnetwork-name, node-tags as your cluster has them.'],
    },
    {
      component: 'gcp-compute-persistent-disk-csi-driver',
      summary: 'The PD CSI driver: the flags in pd-csi-driver.flags (--compute-endpoint, --cloud-config=cloud-config), with pd-csi-driver.env in its environment.',
      files: [
        { name: 'cloud-config', format: 'ini', sections: [{ name: 'global', keys: { 'project-id': project, zone } }] },
        { name: 'pd-csi-driver.flags', format: 'flags', values: { '--compute-endpoint': url, '--cloud-config': 'cloud-config' } },
        { name: 'pd-csi-driver.env', format: 'env', values: metadataEnv },
      ],
      notes: ['The driver appends compute/{v1,beta,alpha}/ to --compute-endpoint itself. Give --cloud-config the path you wrote the file to.'],
    },
    {
      component: 'auth-provider-gcp',
      summary: 'kubelet --image-credential-provider-config=credential-provider-config.yaml --image-credential-provider-bin-dir=<dir holding auth-provider-gcp>.',
      files: [
        credentialProviderConfigFile({
          name: 'auth-provider-gcp',
          matchImages: ['container.cloud.google.com', 'gcr.io', '*.gcr.io', '*.pkg.dev'],
          args: ['get-credentials', '--v=3'],
          defaultCacheDuration: '1m',
          // The provider asks http://metadata.google.internal by name: the proxy routes it here.
          env: { HTTP_PROXY: url },
        }),
      ],
    },
  ];
}
