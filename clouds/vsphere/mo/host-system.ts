/** HostSystem: summary (name, hardware, runtime, product), datastores, networks and the VMs it runs. */
import type { ResourceRecord } from '../../../core/store.js';
import type { HostData } from '../inventory.js';
import type { WireObject } from '../wire/codec.js';
import { esxAbout } from './about.js';
import type { Renderer } from './context.js';
import { entityProps } from './entity.js';

export const renderHostSystem: Renderer = (ctx, id) => {
  const rec = ctx.inv.get(id) as ResourceRecord<HostData> | undefined;
  if (!rec || rec.data.type !== 'HostSystem') return undefined;
  const d = rec.data;
  const connected = d.connectionState === 'connected';
  const runtime: WireObject = { _type: 'HostRuntimeInfo', connectionState: d.connectionState, powerState: d.powerState, inMaintenanceMode: d.inMaintenanceMode, bootTime: new Date(rec.createdAt) };
  const hardware: WireObject = {
    _type: 'HostHardwareSummary',
    vendor: 'VMware, Inc.',
    model: 'fauxcloud host',
    uuid: d.uuid,
    memorySize: d.memoryBytes,
    cpuModel: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
    cpuMhz: 2600,
    numCpuPkgs: 2,
    numCpuCores: d.numCpuCores,
    numCpuThreads: d.numCpuCores * 2,
    numNics: 4,
    numHBAs: 2,
  };
  const vms = ctx.inv.vms().filter((v) => v.data.host === id);
  return {
    ...entityProps(ctx, rec, connected ? 'green' : 'red'),
    runtime,
    summary: {
      _type: 'HostListSummary',
      host: ctx.inv.ref(id),
      hardware,
      runtime,
      config: { _type: 'HostConfigSummary', name: d.name, port: 443, product: esxAbout(), vmotionEnabled: true, faultToleranceEnabled: false },
      quickStats: { _type: 'HostListSummaryQuickStats', overallCpuUsage: 100 * vms.length, overallMemoryUsage: 1024 * vms.length, uptime: 86400 },
      overallStatus: connected ? 'green' : 'red',
      rebootRequired: false,
      managementServerIp: '127.0.0.1',
    },
    hardware: {
      _type: 'HostHardwareInfo',
      systemInfo: { _type: 'HostSystemInfo', vendor: 'VMware, Inc.', model: 'fauxcloud host', uuid: d.uuid },
      cpuInfo: { _type: 'HostCpuInfo', numCpuPackages: 2, numCpuCores: d.numCpuCores, numCpuThreads: d.numCpuCores * 2, hz: 2_600_000_000 },
      memorySize: d.memoryBytes,
    },
    config: { _type: 'HostConfigInfo', host: ctx.inv.ref(id), product: esxAbout() },
    datastore: ctx.inv.refs(d.datastores),
    network: ctx.inv.refs(d.networks),
    vm: vms.map((v) => ctx.inv.ref(v.id)),
  };
};
