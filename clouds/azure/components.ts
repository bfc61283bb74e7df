/**
 * The config files of the Azure components fauxcloud proves (`fauxcloud config <component>`):
 * azure.json for cloud-provider-azure and for azuredisk-csi-driver, each with the environment
 * that makes Entra ID (HTTPS only) trusted. Core renders them.
 */
import type { ComponentConfig } from '../../core/component-config.js';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from './records.js';

export interface AzureDefaults {
  /** fauxcloud's plain-HTTP base URL (ARM and its metadata/endpoints discovery). */
  http: string;
  subscriptionId: string;
  /** The CA the Entra ID endpoint's certificate chains to (SSL_CERT_FILE). */
  caPath?: string;
}

function azureJson(d: AzureDefaults, extra: Record<string, string | boolean>): Record<string, string | boolean> {
  return {
    cloud: 'AzurePublicCloud',
    // "adfs": MSAL trusts the authority as given instead of asking login.microsoftonline.com
    // for instance discovery; fauxcloud's Entra ID accepts it as the default tenant.
    tenantId: 'adfs',
    subscriptionId: d.subscriptionId,
    resourceGroup: 'fauxcloud',
    location: 'eastus',
    aadClientId: DEFAULT_CLIENT_ID,
    aadClientSecret: DEFAULT_CLIENT_SECRET,
    // The components ask `<this>/metadata/endpoints` for the Entra ID (login) endpoint.
    resourceManagerEndpoint: `${d.http}/`,
    vmType: 'standard',
    vnetName: 'fauxcloud-vnet',
    vnetResourceGroup: 'fauxcloud',
    subnetName: 'nodes',
    securityGroupName: 'fauxcloud-nsg',
    routeTableName: 'fauxcloud-rt',
    loadBalancerSku: 'standard',
    useManagedIdentityExtension: false,
    ...extra,
  };
}

export function azureComponents(d: AzureDefaults): ComponentConfig[] {
  const trust: Record<string, string> = d.caPath ? { SSL_CERT_FILE: d.caPath } : {};
  return [
    {
      component: 'cloud-provider-azure',
      summary: 'cloud-controller-manager (cloud-provider-azure): --cloud-provider=azure --cloud-config=azure.json, with cloud-provider-azure.env in its environment; acr-credential-provider takes the same azure.json as its argument.',
      files: [
        { name: 'azure.json', format: 'json', value: azureJson(d, { useInstanceMetadata: false }) },
        { name: 'cloud-provider-azure.env', format: 'env', values: trust },
      ],
      notes: ['Set "vmType=vmss" (and primaryScaleSetName) for scale-set nodes.'],
    },
    {
      component: 'azuredisk-csi-driver',
      summary: 'azuredisk-csi-driver (controller and node): azuredisk-csi-driver.env in its environment (AZURE_CREDENTIAL_FILE names azure.json: give it the path you wrote it to).',
      files: [
        { name: 'azure.json', format: 'json', value: azureJson(d, { useInstanceMetadata: true }) },
        // IMDS is reached at 169.254.169.254 by name: the proxy routes it here.
        { name: 'azuredisk-csi-driver.env', format: 'env', values: { AZURE_CREDENTIAL_FILE: 'azure.json', HTTP_PROXY: d.http, ...trust } },
      ],
    },
  ];
}
