/** The EC2 service: its operation table (wire format from the model, served by ../serve.ts). */
import type { AwsService } from '../serve.js';
import { ec2FaultScope } from './fault-scope.js';
import { attachmentOperations } from './attachments.js';
import type { AwsOperation } from '../shared/context.js';
import { instanceActionOperations } from './instance-actions.js';
import { instanceOperations } from './instances.js';
import { instanceAttributeOperations } from './instance-attributes.js';
import { imageOperations } from './images.js';
import { keyPairOperations } from './key-pairs.js';
import { launchTemplateOperations } from './launch-templates.js';
import { routeTableOperations } from './route-tables.js';
import { securityGroupOperations } from './security-groups.js';
import { instanceTypeOperations } from './instance-types.js';
import { modificationOperations } from './modifications.js';
import { snapshotOperations } from './snapshots.js';
import { snapshotCopyOperations } from './snapshot-copies.js';
import { volumeStatusOperations } from './volume-status.js';
import { networkOperations } from './network.js';
import { networkBuildOperations } from './network-build.js';
import { regionOperations } from './regions.js';
import { tagOperations } from './tags.js';
import { volumeOperations } from './volumes.js';

const OPERATIONS: Readonly<Record<string, AwsOperation>> = {
  ...regionOperations,
  ...networkOperations,
  ...networkBuildOperations,
  ...instanceOperations,
  ...instanceActionOperations,
  ...instanceAttributeOperations,
  ...imageOperations,
  ...keyPairOperations,
  ...launchTemplateOperations,
  ...securityGroupOperations,
  ...routeTableOperations,
  ...instanceTypeOperations,
  ...volumeOperations,
  ...volumeStatusOperations,
  ...modificationOperations,
  ...snapshotOperations,
  ...snapshotCopyOperations,
  ...attachmentOperations,
  ...tagOperations,
};

export const ec2Service: AwsService = {
  name: 'ec2',
  protocol: 'ec2',
  modelPackage: '@aws-sdk/client-ec2',
  operations: OPERATIONS,
  faultScope: ec2FaultScope,
};
