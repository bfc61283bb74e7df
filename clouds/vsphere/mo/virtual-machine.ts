/**
 * VirtualMachine: config (uuid, instanceUuid, hardware, extraConfig), summary, runtime, guest
 * (host name and NICs the CPI builds node addresses from), and the power and destroy tasks.
 */
import type { ResourceRecord } from '../../../core/store.js';
import type { DatastoreData, VmData } from '../inventory.js';
import type { WireObject } from '../wire/codec.js';
import { fault } from '../faults.js';
import type { MethodTable, MoContext, Renderer } from './context.js';
import { entityProps } from './entity.js';
import { defineEffect, startTask } from './task.js';
import { countDisks, countNics, renderDevices, vmxPath } from './vm-devices.js';
import { dropSnapshots, snapshotProps } from './vm-snapshot.js';
import { releaseDisks } from '../vslm/vstorage-object-manager.js';

export const renderVirtualMachine: Renderer = (ctx, id) => {
  const rec = ctx.inv.get(id) as ResourceRecord<VmData> | undefined;
  if (!rec || rec.data.type !== 'VirtualMachine') return undefined;
  const d = rec.data;
  const on = d.powerState === 'poweredOn';
  const tools = on && d.guest.toolsRunning;
  const path = vmxPath(ctx.inv, d);
  const device = renderDevices(ctx.inv, id, d);
  const runtime: WireObject = {
    _type: 'VirtualMachineRuntimeInfo',
    host: ctx.inv.ref(d.host),
    connectionState: 'connected',
    powerState: d.powerState,
    bootTime: on && d.bootTime !== undefined ? new Date(d.bootTime) : undefined,
    toolsInstallerMounted: false,
    maxCpuUsage: d.numCpu * 2600,
    maxMemoryUsage: d.memoryMB,
    numMksConnections: 0,
  };
  // vCenter keeps the last guest identity a powered-off VM reported (the CPI needs it to find the node).
  const net = d.guest.net.map((n) => ({ _type: 'GuestNicInfo', network: n.network, ipAddress: n.ipAddress, macAddress: n.macAddress, connected: n.connected, deviceConfigId: n.deviceConfigId }));
  const ip = d.guest.ipAddress;
  return {
    ...entityProps(ctx, rec),
    config: renderConfig(ctx, id, d, path, device),
    ...snapshotProps(ctx.inv, id, d.currentSnapshot),
    resourcePool: ctx.inv.ref(d.resourcePool),
    runtime,
    guest: {
      _type: 'GuestInfo',
      toolsStatus: tools ? 'toolsOk' : 'toolsNotRunning',
      toolsVersionStatus2: 'guestToolsCurrent',
      toolsRunningStatus: tools ? 'guestToolsRunning' : 'guestToolsNotRunning',
      toolsVersion: '12352',
      guestId: tools ? d.guestId : undefined,
      guestFullName: tools ? d.guestFullName : undefined,
      hostName: d.guest.hostName,
      ipAddress: ip,
      net,
      guestState: tools ? 'running' : 'notRunning',
      appHeartbeatStatus: 'appStatusGray',
      guestOperationsReady: tools,
    },
    summary: {
      _type: 'VirtualMachineSummary',
      vm: ctx.inv.ref(id),
      runtime,
      guest: { _type: 'VirtualMachineGuestSummary', guestId: tools ? d.guestId : undefined, guestFullName: tools ? d.guestFullName : undefined, toolsStatus: tools ? 'toolsOk' : 'toolsNotRunning', toolsVersionStatus2: 'guestToolsCurrent', toolsRunningStatus: tools ? 'guestToolsRunning' : 'guestToolsNotRunning', hostName: d.guest.hostName, ipAddress: ip },
      config: { _type: 'VirtualMachineConfigSummary', name: d.name, template: d.template, vmPathName: path, memorySizeMB: d.memoryMB, numCpu: d.numCpu, numEthernetCards: countNics(device), numVirtualDisks: countDisks(device), uuid: d.uuid, instanceUuid: d.instanceUuid, guestId: d.guestId, guestFullName: d.guestFullName, annotation: d.annotation ?? '', hwVersion: 'vmx-21' },
      storage: { _type: 'VirtualMachineStorageSummary', committed: 2 * 2 ** 30, uncommitted: 38 * 2 ** 30, unshared: 2 * 2 ** 30, timestamp: new Date(ctx.engine.clock.now()) },
      quickStats: { _type: 'VirtualMachineQuickStats', overallCpuUsage: on ? 100 : 0, guestMemoryUsage: on ? 1024 : 0, uptimeSeconds: on && d.bootTime !== undefined ? Math.floor((ctx.engine.clock.now() - d.bootTime) / 1000) : 0, guestHeartbeatStatus: tools ? 'green' : 'gray' },
      overallStatus: 'green',
    },
    datastore: ctx.inv.refs(d.datastores),
    network: ctx.inv.refs(d.networks),
    guestHeartbeatStatus: tools ? 'green' : 'gray',
    capability: { _type: 'VirtualMachineCapability', snapshotOperationsSupported: true, multipleSnapshotsSupported: true, poweredOffSnapshotsSupported: true, memorySnapshotsSupported: true, revertToSnapshotSupported: true, quiescedSnapshotsSupported: true, disableSnapshotsSupported: false, lockSnapshotsSupported: true, consolePreferencesSupported: true, cpuFeatureMaskSupported: true, s1AcpiManagementSupported: true, settingScreenResolutionSupported: true, toolsAutoUpdateSupported: false, vmNpivWwnSupported: true, npivWwnOnNonRdmVmSupported: true, swapPlacementSupported: true, toolsSyncTimeSupported: true, virtualMmuUsageSupported: true, diskSharesSupported: true, bootOptionsSupported: true, settingVideoRamSizeSupported: true },
  };
};

/** `config` of a VM (or of a snapshot: the VM's data with the snapshot's hardware and settings). */
export function renderConfig(ctx: MoContext, id: string, d: VmData, path = vmxPath(ctx.inv, d), device = renderDevices(ctx.inv, id, d)): WireObject {
  const rec = ctx.inv.peek(id);
  const createdAt = rec?.createdAt ?? 0;
  return {
    _type: 'VirtualMachineConfigInfo',
    changeVersion: new Date(createdAt + (d.changeVersion ?? 0)).toISOString(),
    modified: new Date(createdAt + (d.changeVersion ?? 0)),
    name: d.name,
    guestFullName: d.guestFullName,
    version: 'vmx-21',
    uuid: d.uuid,
    instanceUuid: d.instanceUuid,
    npivTemporaryDisabled: true,
    locationId: d.instanceUuid,
    template: d.template,
    guestId: d.guestId,
    alternateGuestName: '',
    annotation: d.annotation ?? '',
    files: { _type: 'VirtualMachineFileInfo', vmPathName: path, snapshotDirectory: path.replace(/[^/]+$/, ''), suspendDirectory: path.replace(/[^/]+$/, ''), logDirectory: path.replace(/[^/]+$/, '') },
    flags: { _type: 'VirtualMachineFlagInfo', enableLogging: true, diskUuidEnabled: (d.extraConfig['disk.EnableUUID'] ?? 'TRUE').toUpperCase() === 'TRUE' },
    defaultPowerOps: { _type: 'VirtualMachineDefaultPowerOpInfo', powerOffType: 'soft', suspendType: 'hard', resetType: 'soft', defaultPowerOffType: 'soft', defaultSuspendType: 'hard', defaultResetType: 'soft', standbyAction: 'checkpoint' },
    hardware: { _type: 'VirtualHardware', numCPU: d.numCpu, numCoresPerSocket: d.numCoresPerSocket ?? 1, memoryMB: d.memoryMB, virtualICH7MPresent: false, virtualSMCPresent: false, device },
    cpuHotAddEnabled: d.cpuHotAddEnabled ?? false,
    memoryHotAddEnabled: d.memoryHotAddEnabled ?? false,
    cpuHotRemoveEnabled: d.cpuHotRemoveEnabled ?? false,
    extraConfig: Object.entries(d.extraConfig).map(([key, value]) => ({ _type: 'OptionValue', key, value })),
    firmware: 'efi',
    datastoreUrl: d.datastores.map((s) => {
      const ds = ctx.inv.peek(s) as ResourceRecord<DatastoreData> | undefined;
      return { _type: 'VirtualMachineConfigInfoDatastoreUrlPair', name: ds?.data.name ?? '', url: ds?.data.url.replace(/^ds:\/\//, '') ?? '' };
    }),
  };
}

function vmOf(ctx: Parameters<Renderer>[0], ref: { type: string; value: string }): ResourceRecord<VmData> {
  return ctx.inv.need(ref) as ResourceRecord<VmData>;
}

// Effects run when the task succeeds; a fault they throw becomes the task's error.
defineEffect('vm.power', (inv, task) => {
  const vm = inv.peek(task.entity ?? '') as ResourceRecord<VmData> | undefined;
  if (!vm) throw fault.notFoundObj({ type: 'VirtualMachine', value: task.entity ?? '' });
  const want = String(task.args?.['state']);
  if (vm.data.powerState === want) throw fault.invalidPowerState(want === 'poweredOn' ? 'poweredOff' : 'poweredOn', vm.data.powerState);
  vm.data.powerState = want as VmData['powerState'];
  vm.data.bootTime = want === 'poweredOn' ? inv.engine.clock.now() : undefined;
  return undefined;
});
defineEffect('vm.reset', (inv, task) => {
  const vm = inv.peek(task.entity ?? '') as ResourceRecord<VmData> | undefined;
  if (!vm) throw fault.notFoundObj({ type: 'VirtualMachine', value: task.entity ?? '' });
  if (vm.data.powerState !== 'poweredOn') throw fault.invalidPowerState('poweredOn', vm.data.powerState);
  vm.data.bootTime = inv.engine.clock.now();
  return undefined;
});
defineEffect('vm.destroy', (inv, task) => {
  const vm = inv.peek(task.entity ?? '') as ResourceRecord<VmData> | undefined;
  if (!vm) throw fault.notFoundObj({ type: 'VirtualMachine', value: task.entity ?? '' });
  if (vm.data.powerState === 'poweredOn') throw fault.invalidPowerState('poweredOff', 'poweredOn');
  dropSnapshots(inv, vm.id);
  releaseDisks(inv, vm.id);
  inv.delete(vm.id);
  return undefined;
});

export const virtualMachineMethods: MethodTable = {
  PowerOffVM_Task: {
    on: ['VirtualMachine'],
    run: async (ctx, self) => {
      const vm = vmOf(ctx, self);
      if (vm.data.powerState !== 'poweredOn') throw fault.invalidPowerState('poweredOn', vm.data.powerState);
      return startTask(ctx, { name: 'PowerOffVM_Task', descriptionId: 'VirtualMachine.powerOff', entity: vm.id, effect: 'vm.power', args: { state: 'poweredOff' } });
    },
  },
  PowerOnVM_Task: {
    on: ['VirtualMachine'],
    run: async (ctx, self) => {
      const vm = vmOf(ctx, self);
      if (vm.data.template) throw fault.notSupported('The operation is not supported on a template.');
      if (vm.data.powerState === 'poweredOn') throw fault.invalidPowerState('poweredOff', vm.data.powerState);
      return startTask(ctx, { name: 'PowerOnVM_Task', descriptionId: 'VirtualMachine.powerOn', entity: vm.id, effect: 'vm.power', args: { state: 'poweredOn' } });
    },
  },
  ResetVM_Task: {
    on: ['VirtualMachine'],
    run: async (ctx, self) => startTask(ctx, { name: 'ResetVM_Task', descriptionId: 'VirtualMachine.reset', entity: vmOf(ctx, self).id, effect: 'vm.reset' }),
  },
  Destroy_Task: {
    on: ['VirtualMachine'],
    run: async (ctx, self) => startTask(ctx, { name: 'Destroy_Task', descriptionId: 'VirtualMachine.destroy', entity: vmOf(ctx, self).id, effect: 'vm.destroy' }),
  },
  ShutdownGuest: {
    on: ['VirtualMachine'],
    run: (ctx, self) => {
      const vm = vmOf(ctx, self);
      if (vm.data.powerState !== 'poweredOn') throw fault.invalidPowerState('poweredOn', vm.data.powerState);
      if (!vm.data.guest.toolsRunning) throw fault.invalidState('VMware Tools is not running in the guest.');
      vm.data.powerState = 'poweredOff';
      ctx.rt.changed();
      return undefined;
    },
  },
};
