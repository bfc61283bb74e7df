/**
 * The AWS services and their model-driven serving, by signing name (JSON services also by their
 * X-Amz-Target prefix). Loaded on AWS's first call (clouds/aws/index.ts), not at start-up.
 */
import { ecrPublicService, ecrService } from './ecr/index.js';
import { ec2Service } from './ec2/index.js';
import { elbService } from './elb/index.js';
import { elbv2Service } from './elbv2/index.js';
import { kmsService } from './kms/index.js';
import type { AwsService } from './serve.js';
import { stsService } from './sts/index.js';

export { serveAws } from './serve.js';

export const SERVICES = new Map<string, AwsService>([ec2Service, stsService, ecrService, ecrPublicService, kmsService, elbService, elbv2Service].map((s) => [s.name, s]));
