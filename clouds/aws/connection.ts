/**
 * AWS connection settings (`GET /_fauxcloud/endpoints/aws`, `fauxcloud env aws`): what each caller
 * reads to find an endpoint, from aws-sdk-go-v2's `config.LoadDefaultConfig`, the EBS CSI
 * driver's own variables and cloud-provider-aws's `[ServiceOverride]` sections.
 */
import type { ConnectionInfo, ListenerUrls } from '../../core/cloud-api.js';
import { awsComponents } from './components.js';
import { DEFAULT_ACCOUNT, DEFAULT_REGION } from './shared/request.js';

/** `[ServiceOverride]` needs the SDK v2 ServiceID exactly; `ec2imds` sets the IMDS client's endpoint. */
const OVERRIDDEN = ['EC2', 'Elastic Load Balancing', 'Elastic Load Balancing v2', 'KMS', 'ec2imds'] as const;

export function awsConnection(where: ListenerUrls): ConnectionInfo {
  const url = where.httpUrl;
  const region = DEFAULT_REGION;
  const cloudConf: Record<string, string> = { '[Global] Region': region };
  OVERRIDDEN.forEach((service, i) => {
    const s = `[ServiceOverride "${i + 1}"]`;
    Object.assign(cloudConf, { [`${s} Service`]: service, [`${s} Region`]: region, [`${s} URL`]: url, [`${s} SigningRegion`]: region });
  });
  return {
    urls: { endpoint: url, ...(where.httpsUrl ? { endpointHttps: where.httpsUrl } : {}), imds: url, imdsPorts: `${url}/_fauxcloud/aws/imds` },
    env: {
      // Every service of every SDK and the AWS CLI v2; AWS CLI v1 and boto3 read only AWS_DEFAULT_REGION.
      AWS_ENDPOINT_URL: url,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      // The EBS CSI driver sets its EC2 client's BaseEndpoint from this one.
      AWS_EC2_ENDPOINT: url,
      // IMDS on the main port answers for the first running instance of account 000000000000.
      AWS_EC2_METADATA_SERVICE_ENDPOINT: url,
      ...(where.caPath ? { AWS_CA_BUNDLE: where.caPath } : {}),
    },
    config: { 'cloud.conf': cloudConf },
    tenant: DEFAULT_ACCOUNT,
    credentials: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    notes: [
      'Any key works: a 12-digit access key id is the account (as in LocalStack), anything else is 000000000000; the region comes from the request signature.',
      `One instance per IMDS port: POST ${url}/_fauxcloud/aws/imds {"instanceId":"i-…"} answers an endpoint for AWS_EC2_METADATA_SERVICE_ENDPOINT (or the ec2imds [ServiceOverride] URL).`,
      'cloud-provider-aws has no STS override: it reads AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_STS).',
      'With no endpoint setting at all, the proxy settings (HTTPS_PROXY and the CA) reach fauxcloud at ec2.<region>.amazonaws.com, sts.amazonaws.com, … and IMDS at 169.254.169.254.',
    ],
    components: awsComponents(where),
  };
}
