/** DescribeInstanceTypes from the published instance-type data. */
import type { DescribeInstanceTypesRequest, DescribeInstanceTypesResult, InstanceTypeInfo } from '@aws-sdk/client-ec2';
import { ec2Error } from '../shared/errors.js';
import { asRows, checkDryRun, filterRecords, pageOf } from './common.js';
import { op, type Ec2Context } from '../shared/context.js';
import { ebsAttachmentLimit, INSTANCE_TYPES, type InstanceTypeData } from './instance-type-data.js';

function render(name: string, t: InstanceTypeData): InstanceTypeInfo {
  const nitro = t.hypervisor === 'nitro';
  const limit = ebsAttachmentLimit(name);
  return {
    InstanceType: name as InstanceTypeInfo['InstanceType'],
    CurrentGeneration: t.currentGeneration,
    FreeTierEligible: name === 't2.micro' || name === 't3.micro',
    SupportedUsageClasses: ['on-demand', 'spot'],
    SupportedRootDeviceTypes: ['ebs'],
    SupportedVirtualizationTypes: ['hvm'],
    BareMetal: name.endsWith('.metal'),
    Hypervisor: name.endsWith('.metal') ? undefined : t.hypervisor,
    ProcessorInfo: { SupportedArchitectures: [t.arch] },
    VCpuInfo: { DefaultVCpus: t.vcpus },
    MemoryInfo: { SizeInMiB: t.memoryMiB },
    InstanceStorageSupported: t.instanceStore !== undefined,
    InstanceStorageInfo: t.instanceStore
      ? { TotalSizeInGB: t.instanceStore[0] * t.instanceStore[1], Disks: [{ Count: t.instanceStore[0], SizeInGB: t.instanceStore[1], Type: 'ssd' }], NvmeSupport: 'required' }
      : undefined,
    EbsInfo: {
      EbsOptimizedSupport: nitro ? 'default' : 'supported',
      EncryptionSupport: 'supported',
      NvmeSupport: nitro ? 'required' : 'unsupported',
      MaximumEbsAttachments: limit.limit,
      AttachmentLimitType: nitro ? (limit.shared ? 'shared' : 'dedicated') : undefined,
      MaximumEbsCards: 1,
    },
    NetworkInfo: {
      MaximumNetworkInterfaces: t.maxEnis,
      MaximumNetworkCards: 1,
      DefaultNetworkCardIndex: 0,
      NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: t.maxEnis }],
      Ipv6Supported: true,
      EnaSupport: nitro ? 'required' : 'unsupported',
    },
    BurstablePerformanceSupported: t.burstable ?? false,
    HibernationSupported: false,
    DedicatedHostsSupported: !t.burstable,
    AutoRecoverySupported: t.instanceStore === undefined,
    SupportedBootModes: t.arch === 'arm64' ? ['uefi'] : ['legacy-bios', 'uefi'],
  };
}

function describeInstanceTypes(input: DescribeInstanceTypesRequest, ctx: Ec2Context): DescribeInstanceTypesResult {
  const wanted = input.InstanceTypes ?? [];
  const unknown = wanted.filter((t) => !INSTANCE_TYPES.has(t));
  if (unknown.length > 0) throw ec2Error('InvalidInstanceType', `The following supplied instance types do not exist: [${unknown.join(', ')}]`);
  checkDryRun(input);
  const names = wanted.length > 0 ? [...new Set(wanted)] : [...INSTANCE_TYPES.keys()];
  const rows = asRows(names.map((name) => render(name, INSTANCE_TYPES.get(name)!)), (t) => t.InstanceType!);
  const found = filterRecords(rows, input.Filters, {
    fields: {
      'instance-type': (r) => r.data.InstanceType,
      'current-generation': (r) => r.data.CurrentGeneration,
      'processor-info.supported-architecture': (r) => r.data.ProcessorInfo?.SupportedArchitectures,
      hypervisor: (r) => r.data.Hypervisor,
      'bare-metal': (r) => r.data.BareMetal,
      'burstable-performance-supported': (r) => r.data.BurstablePerformanceSupported,
      'vcpu-info.default-vcpus': (r) => r.data.VCpuInfo?.DefaultVCpus,
      'memory-info.size-in-mib': (r) => r.data.MemoryInfo?.SizeInMiB,
      'instance-storage-supported': (r) => r.data.InstanceStorageSupported,
      'ebs-info.nvme-support': (r) => r.data.EbsInfo?.NvmeSupport,
      'ebs-info.ebs-optimized-support': (r) => r.data.EbsInfo?.EbsOptimizedSupport,
      'network-info.maximum-network-interfaces': (r) => r.data.NetworkInfo?.MaximumNetworkInterfaces,
    },
  });
  void ctx;
  const page = pageOf(found, { maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 100, idsGiven: false, idsParam: '', query: { f: input.Filters ?? [], t: wanted } });
  return { InstanceTypes: page.items.map((r) => r.data), NextToken: page.nextToken };
}

export const instanceTypeOperations = {
  DescribeInstanceTypes: op(describeInstanceTypes),
};
