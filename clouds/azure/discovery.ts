/**
 * Cloud discovery, `GET /metadata/endpoints?api-version=…` on the Resource Manager host: the JSON
 * array cloud-provider-azure and the disk CSI driver read when `resourceManagerEndpoint` is set.
 * Resource Manager is the URL the caller used; the login endpoint is fauxcloud's HTTPS listener
 * (azidentity refuses an authority that is not https); the ACR suffix stays `azurecr.io`, the
 * name registries are reached by (through the HTTPS proxy, or by Host).
 */
import type { WireRequest } from '../../core/cloud-api.js';

const AUDIENCES = ['https://management.core.windows.net/', 'https://management.azure.com/'];

export function cloudEndpoints(req: WireRequest, httpsUrl: string | undefined): unknown[] {
  const host = req.headers.host ?? '127.0.0.1';
  const rm = `${req.secure ? 'https' : 'http'}://${Array.isArray(host) ? host[0] : host}/`;
  const login = httpsUrl ? `${httpsUrl.replace(/\/$/, '')}/` : 'https://login.microsoftonline.com/';
  const entry = (name: string) => ({
    portal: 'https://portal.azure.com',
    authentication: { loginEndpoint: login, audiences: AUDIENCES, tenant: 'common', identityProvider: 'AAD' },
    media: 'https://rest.media.azure.net',
    graphAudience: 'https://graph.windows.net/',
    graph: 'https://graph.windows.net/',
    name,
    suffixes: {
      azureDataLakeStoreFileSystem: 'azuredatalakestore.net',
      acrLoginServer: 'azurecr.io',
      sqlServerHostname: 'database.windows.net',
      azureDataLakeAnalyticsCatalogAndJob: 'azuredatalakeanalytics.net',
      keyVaultDns: 'vault.azure.net',
      storage: 'core.windows.net',
      azureFrontDoorEndpointSuffix: 'azurefd.net',
    },
    batch: 'https://batch.core.windows.net/',
    resourceManager: rm,
    vmImageAliasDoc: 'https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/quickstart-templates/aliases.json',
    activeDirectoryDataLake: 'https://datalake.azure.net/',
    sqlManagement: 'https://management.core.windows.net:8443/',
    microsoftGraphResourceId: 'https://graph.microsoft.com/',
    appInsightsResourceId: 'https://api.applicationinsights.io',
    appInsightsTelemetryChannelResourceId: 'https://dc.applicationinsights.azure.com/v2/track',
    attestationResourceId: 'https://attest.azure.net',
    synapseAnalyticsResourceId: 'https://dev.azuresynapse.net',
    logAnalyticsResourceId: 'https://api.loganalytics.io',
    ossrDbmsResourceId: 'https://ossrdbms-aad.database.windows.net',
  });
  // Azure names the public cloud AzureCloud here; azure.json files say AzurePublicCloud.
  return [entry('AzureCloud'), entry('AzurePublicCloud')];
}
