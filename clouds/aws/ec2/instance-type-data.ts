/**
 * Instance types fauxcloud describes, with the figures AWS publishes in its instance-type
 * documentation (vCPUs, memory, network interfaces, instance store, hypervisor). Only types whose
 * figures we could check are listed; RunInstances accepts any well-formed type, and a type missing
 * here answers `InvalidInstanceType` from DescribeInstanceTypes, as a type the region lacks would.
 *
 * EBS attachment limits: Nitro types share 28 attachments between EBS volumes, network interfaces
 * and NVMe instance-store volumes; Xen types are documented with 40 EBS volumes on Linux.
 */
export interface InstanceTypeData {
  vcpus: number;
  memoryMiB: number;
  arch: 'x86_64' | 'arm64';
  hypervisor: 'nitro' | 'xen';
  maxEnis: number;
  /** NVMe instance-store disks: [count, GB each]. */
  instanceStore?: [number, number];
  currentGeneration: boolean;
  burstable?: boolean;
}

type Row = [size: string, vcpus: number, memoryGiB: number, maxEnis: number, store?: [number, number]];

function family(name: string, base: Omit<InstanceTypeData, 'vcpus' | 'memoryMiB' | 'maxEnis' | 'instanceStore'>, rows: Row[]): Array<[string, InstanceTypeData]> {
  return rows.map(([size, vcpus, gib, maxEnis, store]) => [`${name}.${size}`, { ...base, vcpus, memoryMiB: Math.round(gib * 1024), maxEnis, instanceStore: store }]);
}

const nitro = { arch: 'x86_64', hypervisor: 'nitro', currentGeneration: true } as const;
const graviton = { arch: 'arm64', hypervisor: 'nitro', currentGeneration: true } as const;
const xen = { arch: 'x86_64', hypervisor: 'xen', currentGeneration: true } as const;

const GENERAL: Row[] = [
  ['large', 2, 8, 3], ['xlarge', 4, 16, 4], ['2xlarge', 8, 32, 4], ['4xlarge', 16, 64, 8],
  ['8xlarge', 32, 128, 8], ['12xlarge', 48, 192, 8], ['16xlarge', 64, 256, 15], ['24xlarge', 96, 384, 15],
];

export const INSTANCE_TYPES: ReadonlyMap<string, InstanceTypeData> = new Map<string, InstanceTypeData>([
  ...family('t3', { ...nitro, burstable: true }, [
    ['nano', 2, 0.5, 2], ['micro', 2, 1, 2], ['small', 2, 2, 3], ['medium', 2, 4, 3], ['large', 2, 8, 3], ['xlarge', 4, 16, 4], ['2xlarge', 8, 32, 4],
  ]),
  ...family('t2', { ...xen, burstable: true }, [
    ['nano', 1, 0.5, 2], ['micro', 1, 1, 2], ['small', 1, 2, 3], ['medium', 2, 4, 3], ['large', 2, 8, 3], ['xlarge', 4, 16, 3], ['2xlarge', 8, 32, 3],
  ]),
  ...family('m5', nitro, [...GENERAL, ['metal', 96, 384, 15]]),
  ...family('m5d', nitro, [
    ['large', 2, 8, 3, [1, 75]], ['xlarge', 4, 16, 4, [1, 150]], ['2xlarge', 8, 32, 4, [1, 300]], ['4xlarge', 16, 64, 8, [2, 300]],
    ['8xlarge', 32, 128, 8, [2, 600]], ['12xlarge', 48, 192, 8, [2, 900]], ['16xlarge', 64, 256, 15, [4, 600]], ['24xlarge', 96, 384, 15, [4, 900]],
  ]),
  ...family('m6i', nitro, [...GENERAL, ['32xlarge', 128, 512, 15]]),
  ...family('m6g', graviton, [['medium', 1, 4, 2], ...GENERAL.slice(0, 7)]),
  ...family('c5', nitro, [
    ['large', 2, 4, 3], ['xlarge', 4, 8, 4], ['2xlarge', 8, 16, 4], ['4xlarge', 16, 32, 8],
    ['9xlarge', 36, 72, 8], ['12xlarge', 48, 96, 8], ['18xlarge', 72, 144, 15], ['24xlarge', 96, 192, 15],
  ]),
  ...family('r5', nitro, [
    ['large', 2, 16, 3], ['xlarge', 4, 32, 4], ['2xlarge', 8, 64, 4], ['4xlarge', 16, 128, 8],
    ['8xlarge', 32, 256, 8], ['12xlarge', 48, 384, 8], ['16xlarge', 64, 512, 15], ['24xlarge', 96, 768, 15],
  ]),
  ...family('m4', xen, [['large', 2, 8, 2], ['xlarge', 4, 16, 4], ['2xlarge', 8, 32, 4], ['4xlarge', 16, 64, 8], ['10xlarge', 40, 160, 8], ['16xlarge', 64, 256, 8]]),
  ['m1.small', { vcpus: 1, memoryMiB: 1740, arch: 'x86_64', hypervisor: 'xen', maxEnis: 2, currentGeneration: false }],
]);

/** Most EBS volumes an instance of this type can have attached, given what else uses the slots. */
export function ebsAttachmentLimit(type: string): { limit: number; shared: boolean } {
  const t = INSTANCE_TYPES.get(type);
  if (t?.hypervisor === 'xen') return { limit: 40, shared: false };
  return { limit: 28, shared: true };
}
