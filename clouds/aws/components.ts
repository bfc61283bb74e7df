/**
 * The config files of the AWS components fauxcloud proves (`fauxcloud config <component>`):
 * cloud-provider-aws's cloud.conf and env, the EBS CSI driver's env, and kubelet's
 * CredentialProviderConfig for ecr-credential-provider. Core renders them.
 */
import type { ListenerUrls } from '../../core/cloud-api.js';
import { credentialProviderConfigFile, type ComponentConfig, type IniSection } from '../../core/component-config.js';
import { DEFAULT_REGION } from './shared/request.js';

/** `[ServiceOverride "<name>"]`: the name is free; `Service` must be the SDK v2 ServiceID exactly. */
const OVERRIDDEN = { ec2: 'EC2', elb: 'Elastic Load Balancing', elbv2: 'Elastic Load Balancing v2', kms: 'KMS', ec2imds: 'ec2imds' } as const;

/** kubelet's CredentialProviderConfig images for ECR (the provider's own README list). */
const ECR_IMAGES = ['*.dkr.ecr.*.amazonaws.com', '*.dkr.ecr.*.amazonaws.com.cn', '*.dkr.ecr-fips.*.amazonaws.com', '*.dkr.ecr.us-iso-east-1.c2s.ic.gov', '*.dkr.ecr.us-isob-east-1.sc2s.sgov.gov'];

export function awsComponents(where: ListenerUrls): ComponentConfig[] {
  const url = where.httpUrl;
  const region = DEFAULT_REGION;
  const keys = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  const overrides: IniSection[] = Object.entries(OVERRIDDEN).map(([name, service]) => ({
    name: `ServiceOverride "${name}"`,
    keys: { Service: service, Region: region, URL: url, SigningRegion: region },
  }));
  return [
    {
      component: 'cloud-provider-aws',
      summary: 'aws-cloud-controller-manager: --cloud-provider=aws --cloud-config=cloud.conf, with cloud-provider-aws.env in its environment (credentials, and STS, which has no [ServiceOverride]).',
      files: [
        { name: 'cloud.conf', format: 'ini', sections: [{ name: 'Global', keys: { Region: region } }, ...overrides] },
        { name: 'cloud-provider-aws.env', format: 'env', values: { ...keys, AWS_REGION: region, AWS_ENDPOINT_URL_STS: url } },
      ],
      notes: [
        `The ec2imds override answers as the first running instance; POST ${url}/_fauxcloud/aws/imds {"instanceId":"i-…"} opens a port for another (set "[ServiceOverride \\"ec2imds\\"] URL=<its endpoint>").`,
        'The provider takes the cluster id from its instance\'s kubernetes.io/cluster/<id> tag, and the VPC from its instance.',
      ],
    },
    {
      component: 'aws-ebs-csi-driver',
      summary: 'The EBS CSI driver (controller and node): aws-ebs-csi-driver.env in its environment.',
      files: [
        {
          name: 'aws-ebs-csi-driver.env',
          format: 'env',
          values: { ...keys, AWS_REGION: region, AWS_EC2_ENDPOINT: url, AWS_ENDPOINT_URL: url, AWS_EC2_METADATA_SERVICE_ENDPOINT: url },
        },
      ],
      notes: ['The node service reads its instance from IMDS (AWS_EC2_METADATA_SERVICE_ENDPOINT): the first running instance, or a port POST /_fauxcloud/aws/imds opened for one.'],
    },
    {
      component: 'ecr-credential-provider',
      summary: 'kubelet --image-credential-provider-config=credential-provider-config.yaml --image-credential-provider-bin-dir=<dir holding ecr-credential-provider>.',
      files: [credentialProviderConfigFile({ name: 'ecr-credential-provider', matchImages: ECR_IMAGES, defaultCacheDuration: '12h', env: { AWS_ENDPOINT_URL: url, ...keys } })],
      notes: ['The region comes from the image\'s host name (<account>.dkr.ecr.<region>.amazonaws.com); the account from its first label.'],
    },
  ];
}
