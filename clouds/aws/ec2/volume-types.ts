/**
 * EBS volume types: size, IOPS and throughput bounds and defaults, from the public EBS
 * documentation (classic limits; the finer per-type rules arrive with the EBS CSI work).
 */
import type { CreateVolumeRequest } from '@aws-sdk/client-ec2';
import { Ec2Errors } from '../shared/errors.js';

interface TypeSpec {
  minSize: number;
  maxSize: number;
  iops?: { min: number; max: number; perGiB: number; required: boolean; default?: number };
  throughput?: { min: number; max: number; default: number };
}

const TYPES: Readonly<Record<string, TypeSpec>> = {
  standard: { minSize: 1, maxSize: 1024 },
  gp2: { minSize: 1, maxSize: 16384 },
  gp3: { minSize: 1, maxSize: 16384, iops: { min: 3000, max: 16000, perGiB: 500, required: false, default: 3000 }, throughput: { min: 125, max: 1000, default: 125 } },
  io1: { minSize: 4, maxSize: 16384, iops: { min: 100, max: 64000, perGiB: 50, required: true } },
  io2: { minSize: 4, maxSize: 65536, iops: { min: 100, max: 256000, perGiB: 1000, required: true } },
  st1: { minSize: 125, maxSize: 16384 },
  sc1: { minSize: 125, maxSize: 16384 },
};

export interface VolumeShape {
  volumeType: string;
  iops?: number;
  throughput?: number;
}

/** Validate type, size, IOPS and throughput; fill in what EC2 fills in. The API default type is gp2. */
export function volumeDefaults(input: Pick<CreateVolumeRequest, 'VolumeType' | 'Size' | 'Iops' | 'Throughput'>): VolumeShape {
  const volumeType = input.VolumeType ?? 'gp2';
  const spec = TYPES[volumeType];
  if (!spec)
    throw Ec2Errors.invalidParameterValue(`Value (${volumeType}) for parameter volumeType is invalid. Valid values: ${Object.keys(TYPES).join(', ')}`);
  const size = input.Size ?? 0;
  if (!Number.isInteger(size) || size < spec.minSize)
    throw Ec2Errors.invalidParameterValue(`Volume of size ${size}GiB is too small; minimum is ${spec.minSize}GiB.`);
  if (size > spec.maxSize) throw Ec2Errors.invalidParameterValue(`Volume of ${size}GiB is too large; maximum is ${spec.maxSize}GiB.`);

  let iops: number | undefined;
  if (spec.iops) {
    if (input.Iops === undefined && spec.iops.required) throw Ec2Errors.missingParameter('Iops');
    iops = input.Iops ?? spec.iops.default;
    if (iops !== undefined) {
      if (iops < spec.iops.min) throw Ec2Errors.invalidParameterValue(`Volume iops of ${iops} is too low; minimum is ${spec.iops.min}.`);
      if (iops > spec.iops.max) throw Ec2Errors.invalidParameterValue(`Volume iops of ${iops} is too high; maximum is ${spec.iops.max}.`);
      if (input.Iops !== undefined && iops > size * spec.iops.perGiB)
        throw Ec2Errors.invalidParameterValue(`Iops to volume size ratio of ${(iops / size).toFixed(1)} is too high; maximum is ${spec.iops.perGiB}.0.`);
    }
  } else if (input.Iops !== undefined) {
    throw Ec2Errors.invalidParameterCombination(`The parameter iops is not supported for ${volumeType} volumes.`);
  } else if (volumeType === 'gp2') {
    iops = Math.min(16000, Math.max(100, size * 3));
  }

  let throughput: number | undefined;
  if (spec.throughput) {
    throughput = input.Throughput ?? spec.throughput.default;
    if (throughput < spec.throughput.min || throughput > spec.throughput.max)
      throw Ec2Errors.invalidParameterValue(`Throughput of ${throughput} MiB/s is out of range; it must be between ${spec.throughput.min} and ${spec.throughput.max}.`);
  } else if (input.Throughput !== undefined) {
    throw Ec2Errors.invalidParameterCombination(`The parameter throughput is not supported for ${volumeType} volumes.`);
  }
  return { volumeType, iops, throughput };
}
