/**
 * The public AWS commercial regions and the short names their zone ids use (`use1-az1`).
 * Public knowledge from the AWS documentation; a scenario may add regions of its own.
 */
export const REGIONS: Readonly<Record<string, string>> = {
  'us-east-1': 'use1',
  'us-east-2': 'use2',
  'us-west-1': 'usw1',
  'us-west-2': 'usw2',
  'af-south-1': 'afs1',
  'ap-east-1': 'ape1',
  'ap-south-1': 'aps1',
  'ap-south-2': 'aps2',
  'ap-southeast-1': 'apse1',
  'ap-southeast-2': 'apse2',
  'ap-southeast-3': 'apse3',
  'ap-southeast-4': 'apse4',
  'ap-northeast-1': 'apne1',
  'ap-northeast-2': 'apne2',
  'ap-northeast-3': 'apne3',
  'ca-central-1': 'cac1',
  'ca-west-1': 'caw1',
  'eu-central-1': 'euc1',
  'eu-central-2': 'euc2',
  'eu-west-1': 'euw1',
  'eu-west-2': 'euw2',
  'eu-west-3': 'euw3',
  'eu-south-1': 'eus1',
  'eu-south-2': 'eus2',
  'eu-north-1': 'eun1',
  'il-central-1': 'ilc1',
  'me-south-1': 'mes1',
  'me-central-1': 'mec1',
  'sa-east-1': 'sae1',
};

/** Regions enabled without opting in (the rest answer `opted-in` here, as in an account that opted in). */
export const OPT_IN_NOT_REQUIRED = new Set([
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1',
  'ap-northeast-2', 'ap-northeast-3', 'ca-central-1', 'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1', 'sa-east-1',
]);

export function zoneIdPrefix(region: string): string {
  return REGIONS[region] ?? region.replace(/[^a-z0-9]/g, '').slice(0, 6);
}
