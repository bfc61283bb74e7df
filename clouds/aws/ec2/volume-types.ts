/**
 * EBS volume types: size, IOPS and throughput bounds, defaults and ratios, as the EC2 API
 * documents them in the current model (gp3 up to 64 TiB / 80,000 IOPS / 2,000 MiB/s). Used by
 * CreateVolume, CopyVolumes, RunInstances block devices and ModifyVolume targets.
 */
import { Ec2Errors } from '../shared/errors.js';

interface IopsSpec {
  min: number;
  max: number;
  /** Most IOPS per GiB of size. */
  perGiB: number;
  /** IOPS every volume of the type gets regardless of size (gp3's 3,000 baseline). */
  baseline?: number;
}

interface TypeSpec {
  minSize: number;
  maxSize: number;
  /** Provisioned IOPS: required without a baseline (io1, io2), optional with one (gp3). */
  iops?: IopsSpec;
  throughput?: { min: number; max: number; default: number; perIops: number };
  multiAttach: boolean;
}

const TYPES: Readonly<Record<string, TypeSpec>> = {
  standard: { minSize: 1, maxSize: 1024, multiAttach: false },
  gp2: { minSize: 1, maxSize: 16384, multiAttach: false },
  gp3: {
    minSize: 1,
    maxSize: 65536,
    iops: { min: 3000, max: 80000, perGiB: 500, baseline: 3000 },
    throughput: { min: 125, max: 2000, default: 125, perIops: 0.25 },
    multiAttach: false,
  },
  io1: { minSize: 4, maxSize: 16384, iops: { min: 100, max: 64000, perGiB: 50 }, multiAttach: true },
  io2: { minSize: 4, maxSize: 65536, iops: { min: 100, max: 256000, perGiB: 1000 }, multiAttach: true },
  st1: { minSize: 125, maxSize: 16384, multiAttach: false },
  sc1: { minSize: 125, maxSize: 16384, multiAttach: false },
};

export interface VolumeShape {
  volumeType: string;
  size: number;
  iops?: number;
  throughput?: number;
}

export interface ShapeRequest {
  VolumeType?: string;
  Size?: number;
  Iops?: number;
  Throughput?: number;
  MultiAttachEnabled?: boolean;
}

/**
 * Validate a requested shape and fill in what EC2 fills in. With `current` (ModifyVolume,
 * CopyVolumes), unspecified fields keep the current values where the type allows.
 * The API default type is gp2.
 */
export function resolveShape(req: ShapeRequest, current?: VolumeShape): VolumeShape {
  const volumeType = req.VolumeType ?? current?.volumeType ?? 'gp2';
  const spec = TYPES[volumeType];
  if (!spec) throw Ec2Errors.invalidParameterValue(`Value (${volumeType}) for parameter volumeType is invalid. Valid values: ${Object.keys(TYPES).join(', ')}`);
  const size = req.Size ?? current?.size;
  if (size === undefined) throw Ec2Errors.missingParameter('Size');
  if (!Number.isInteger(size) || size < spec.minSize)
    throw Ec2Errors.invalidParameterValue(`Volume of size ${size}GiB is too small; minimum is ${spec.minSize}GiB.`);
  if (size > spec.maxSize) throw Ec2Errors.invalidParameterValue(`Volume of ${size}GiB is too large; maximum is ${spec.maxSize}GiB.`);
  if (req.MultiAttachEnabled && !spec.multiAttach)
    throw Ec2Errors.invalidParameterCombination(`Multi-Attach is supported only for io1 and io2 volumes.`);

  const sameType = current?.volumeType === volumeType;
  let iops: number | undefined;
  if (spec.iops) {
    // Same type: keep the current IOPS. To io1/io2 (no baseline): carry the current IOPS over.
    // To gp3: its 3,000 baseline.
    const kept = sameType || spec.iops.baseline === undefined ? current?.iops : undefined;
    iops = req.Iops ?? kept ?? spec.iops.baseline;
    if (iops === undefined) throw Ec2Errors.missingParameter('Iops');
    checkIops(iops, size, spec.iops);
  } else if (req.Iops !== undefined) {
    throw Ec2Errors.invalidParameterCombination(`The parameter iops is not supported for ${volumeType} volumes.`);
  } else if (volumeType === 'gp2') {
    iops = Math.min(16000, Math.max(100, size * 3));
  }

  let throughput: number | undefined;
  if (spec.throughput) {
    const t = spec.throughput;
    throughput = req.Throughput ?? (sameType ? current?.throughput : undefined) ?? t.default;
    if (throughput < t.min) throw Ec2Errors.invalidParameterValue(`Throughput of ${throughput} MiB/s is too low; minimum is ${t.min} MiB/s.`);
    if (throughput > t.max) throw Ec2Errors.invalidParameterValue(`Throughput of ${throughput} MiB/s is too high; maximum is ${t.max} MiB/s.`);
    if (iops !== undefined && throughput > t.default && throughput / iops > t.perIops)
      throw Ec2Errors.invalidParameterValue(`Throughput (MiBps) to iops ratio of ${(throughput / iops).toFixed(6)} is too high; maximum is ${t.perIops} MiBps per iops.`);
  } else if (req.Throughput !== undefined) {
    throw Ec2Errors.invalidParameterCombination(`The parameter throughput is not supported for ${volumeType} volumes.`);
  }
  return { volumeType, size, iops, throughput };
}

/** The EBS CSI driver probes the IOPS maximum with a DryRun and parses `maximum is N` from this message. */
function checkIops(iops: number, size: number, s: IopsSpec): void {
  if (iops < s.min) throw Ec2Errors.invalidParameterValue(`Volume iops of ${iops} is too low; minimum is ${s.min}.`);
  if (iops > s.max) throw Ec2Errors.invalidParameterValue(`Volume iops of ${iops} is too high; maximum is ${s.max}.`);
  if (iops > (s.baseline ?? 0) && iops > size * s.perGiB)
    throw Ec2Errors.invalidParameterValue(`Iops to volume size ratio of ${(iops / size).toFixed(1)} is too high; maximum is ${s.perGiB}.0.`);
}

export function supportsMultiAttach(volumeType: string): boolean {
  return TYPES[volumeType]?.multiAttach ?? false;
}
