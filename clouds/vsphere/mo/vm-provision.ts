/**
 * Making and changing VMs: `Folder.CreateVM_Task`, `VirtualMachine.CloneVM_Task`,
 * `ReconfigVM_Task` (CPU, memory, extraConfig, devices) and `MarkAsTemplate`, as govc vm.create,
 * vm.clone and vm.change drive them. Arguments are checked when the task runs, as vCenter does:
 * a bad spec ends the task in error, only a missing object is refused at once.
 */
import type { ResourceRecord } from '../../../core/store.js';
import { fault, moref, VimFault, type MoRef } from '../faults.js';
import type { ClusterData, DatastoreData, FolderData, HostData, Inventory, VmData } from '../inventory.js';
import type { WireObject, WireValue } from '../wire/codec.js';
import type { MethodTable } from './context.js';
import { defineEffect, startTask } from './task.js';
import { applyDeviceChange, ownDevices, syncRefs, vmxPath } from './vm-devices.js';

const GUEST_NAMES: Record<string, string> = {
  ubuntu64Guest: 'Ubuntu Linux (64-bit)',
  centos64Guest: 'CentOS 4/5 or later (64-bit)',
  rhel9_64Guest: 'Red Hat Enterprise Linux 9 (64-bit)',
  other5xLinux64Guest: 'Other 5.x or later Linux (64-bit)',
  otherGuest64: 'Other (64-bit)',
  windows2019srv_64Guest: 'Microsoft Windows Server 2019 (64-bit)',
};

const invalidConfig = (property: string, message: string) => new VimFault({ _type: 'InvalidVmConfig', property }, message);

function vmFolder(inv: Inventory, id: string): ResourceRecord<FolderData> {
  const f = inv.peek(id) as ResourceRecord<FolderData> | undefined;
  if (!f || f.data.type !== 'Folder') throw fault.notFoundObj(moref('Folder', id));
  if (!f.data.childType.includes('VirtualMachine')) throw fault.notSupported(`The folder ${f.data.name} does not hold virtual machines.`);
  return f;
}

function checkName(inv: Inventory, folder: ResourceRecord<FolderData>, name: string): void {
  if (!name || name.length > 80) throw new VimFault({ _type: 'InvalidArgument', invalidProperty: 'name' }, `A specified parameter was not correct: name`);
  if (inv.children(folder.id).some((c) => c.data.name === name)) throw new VimFault({ _type: 'DuplicateName', name, object: inv.ref(folder.id) }, `The name '${name}' already exists.`);
}

/** The pool's cluster's host that mounts `ds` (the one asked for if it does), or the pool's first connected host. */
function placeOn(inv: Inventory, pool: string, ds: string | undefined, host?: MoRef): ResourceRecord<HostData> {
  const cluster = inv.peek(inv.peek(pool)?.parent ?? '') as ResourceRecord<ClusterData> | undefined;
  const hosts = cluster ? inv.hostsOfCluster(cluster.id) : [];
  if (host) {
    const h = hosts.find((x) => x.id === host.value);
    if (!h) throw new VimFault({ _type: 'InvalidArgument', invalidProperty: 'host' }, 'The host is not part of the resource pool\'s cluster.');
    return h;
  }
  const h = hosts.find((x) => x.data.connectionState === 'connected' && !x.data.inMaintenanceMode && (!ds || x.data.datastores.includes(ds)));
  if (!h) throw new VimFault({ _type: 'InvalidArgument', invalidProperty: 'pool' }, 'No connected host of the resource pool mounts the datastore.');
  return h;
}

function datastoreOfPath(inv: Inventory, path: string): ResourceRecord<DatastoreData> {
  const m = /^\[([^\]]+)\]/.exec(path);
  const ds = m ? (inv.all('Datastore') as ResourceRecord<DatastoreData>[]).find((x) => x.data.name === m[1]) : undefined;
  if (!ds) throw new VimFault({ _type: 'InvalidDatastorePath', datastorePath: path }, `Invalid datastore path '${path}'.`);
  if (!ds.data.accessible) throw new VimFault({ _type: 'InaccessibleDatastore', datastore: moref('Datastore', ds.id), name: ds.data.name }, `The datastore ${ds.data.name} is not accessible.`);
  return ds;
}

/** A ConfigSpec's changes other than placement: name, CPU, memory, guest, annotation, extraConfig, flags, devices. */
function applyConfigSpec(inv: Inventory, id: string | undefined, vm: VmData, spec: WireObject): void {
  const num = (k: string) => (spec[k] === undefined ? undefined : Number(spec[k]));
  const cpus = num('numCPUs');
  const mem = num('memoryMB');
  if (cpus !== undefined && (!Number.isInteger(cpus) || cpus < 1 || cpus > 768)) throw invalidConfig('configSpec.numCPUs', `Invalid number of virtual CPUs: ${cpus}.`);
  if (mem !== undefined && (!Number.isInteger(mem) || mem < 4 || mem % 4 !== 0)) throw invalidConfig('configSpec.memoryMB', `Invalid memory size: ${mem} MB (a multiple of 4 MB is required).`);
  const cores = num('numCoresPerSocket');
  if (cores !== undefined && (cores < 1 || (cpus ?? vm.numCpu) % cores !== 0)) throw invalidConfig('configSpec.numCoresPerSocket', `The number of virtual CPUs is not a multiple of ${cores} cores per socket.`);
  if (typeof spec['name'] === 'string' && spec['name'] !== '') vm.name = spec['name'];
  if (cpus !== undefined) vm.numCpu = cpus;
  if (mem !== undefined) vm.memoryMB = mem;
  if (cores !== undefined) vm.numCoresPerSocket = cores;
  if (typeof spec['guestId'] === 'string') {
    vm.guestId = spec['guestId'];
    vm.guestFullName = GUEST_NAMES[vm.guestId] ?? 'Other Linux (64-bit)';
  }
  if (typeof spec['annotation'] === 'string') vm.annotation = spec['annotation'];
  if (typeof spec['cpuHotAddEnabled'] === 'boolean') vm.cpuHotAddEnabled = spec['cpuHotAddEnabled'];
  if (typeof spec['memoryHotAddEnabled'] === 'boolean') vm.memoryHotAddEnabled = spec['memoryHotAddEnabled'];
  if (typeof spec['cpuHotRemoveEnabled'] === 'boolean') vm.cpuHotRemoveEnabled = spec['cpuHotRemoveEnabled'];
  if (typeof spec['uuid'] === 'string' && spec['uuid'] !== '') vm.uuid = spec['uuid'].toLowerCase();
  if (typeof spec['instanceUuid'] === 'string' && spec['instanceUuid'] !== '') vm.instanceUuid = spec['instanceUuid'].toLowerCase();
  // An OptionValue with an empty value removes the key, as vCenter does.
  for (const o of (spec['extraConfig'] as WireValue[] | undefined) ?? []) {
    const { key, value } = o as WireObject;
    if (typeof key !== 'string' || key === '') throw invalidConfig('configSpec.extraConfig', 'An extraConfig option has no key.');
    if (value === undefined || value === null || value === '') delete vm.extraConfig[key];
    else vm.extraConfig[key] = String(value);
  }
  const changes = (spec['deviceChange'] as WireValue[] | undefined) ?? [];
  if (changes.length > 0) applyDeviceChange({ inv, vm, vmId: id }, changes);
  vm.changeVersion = (vm.changeVersion ?? 0) + 1;
}

function hostPoolFolder(inv: Inventory, host: ResourceRecord<HostData>): string {
  return (inv.peek(host.parent ?? '') as ResourceRecord<ClusterData> | undefined)?.data.resourcePool ?? '';
}

defineEffect('vm.create', (inv, task) => {
  const args = task.args ?? {};
  const folder = vmFolder(inv, task.entity ?? '');
  const spec = (args['config'] as WireObject | undefined) ?? {};
  const pool = args['pool'] as MoRef;
  const name = String(spec['name'] ?? '');
  checkName(inv, folder, name);
  const vmPath = String((spec['files'] as WireObject | undefined)?.['vmPathName'] ?? '');
  if (!vmPath) throw invalidConfig('configSpec.files', 'The configuration names no file location (files.vmPathName).');
  const ds = datastoreOfPath(inv, vmPath);
  const host = placeOn(inv, pool.value, ds.id, args['host'] as MoRef | undefined);
  const guestId = String(spec['guestId'] ?? 'otherGuest64');
  const vm: VmData = {
    type: 'VirtualMachine',
    name,
    uuid: inv.engine.ids.uuid('vsphere:vm'),
    instanceUuid: inv.engine.ids.uuid('vsphere:vm'),
    guestId,
    guestFullName: GUEST_NAMES[guestId] ?? 'Other Linux (64-bit)',
    numCpu: 1,
    memoryMB: 128,
    powerState: 'poweredOff',
    host: host.id,
    resourcePool: pool.value,
    datastores: [ds.id],
    networks: [],
    template: false,
    guest: { net: [], toolsRunning: true },
    extraConfig: {},
    vmPathName: /\.vmx$/.test(vmPath) ? vmPath : `[${ds.data.name}] ${name}/${name}.vmx`,
    devices: [
      { _type: 'VirtualIDEController', key: 200, deviceInfo: { _type: 'Description', label: 'IDE 0', summary: 'IDE 0' }, busNumber: 0 },
      { _type: 'VirtualIDEController', key: 201, deviceInfo: { _type: 'Description', label: 'IDE 1', summary: 'IDE 1' }, busNumber: 1 },
      { _type: 'VirtualPS2Controller', key: 300, deviceInfo: { _type: 'Description', label: 'PS2 controller 0', summary: 'PS2 controller 0' }, busNumber: 0 },
      { _type: 'VirtualPCIController', key: 100, deviceInfo: { _type: 'Description', label: 'PCI controller 0', summary: 'PCI controller 0' }, busNumber: 0 },
      { _type: 'VirtualSIOController', key: 400, deviceInfo: { _type: 'Description', label: 'SIO controller 0', summary: 'SIO controller 0' }, busNumber: 0 },
      { _type: 'VirtualMachineVideoCard', key: 500, deviceInfo: { _type: 'Description', label: 'Video card ', summary: 'Video card' }, controllerKey: 100, unitNumber: 0, videoRamSizeInKB: 4096, numDisplays: 1 },
    ],
  };
  applyConfigSpec(inv, undefined, vm, spec);
  syncRefs(inv, vm);
  const rec = inv.insert<VmData>(vm, folder.id);
  return moref('VirtualMachine', rec.id);
});

defineEffect('vm.clone', (inv, task) => {
  const args = task.args ?? {};
  const src = inv.peek(task.entity ?? '') as ResourceRecord<VmData> | undefined;
  if (!src || src.data.type !== 'VirtualMachine') throw fault.notFoundObj(moref('VirtualMachine', task.entity ?? ''));
  const folder = vmFolder(inv, (args['folder'] as MoRef).value);
  const name = String(args['name'] ?? '');
  checkName(inv, folder, name);
  const spec = (args['spec'] as WireObject | undefined) ?? {};
  const loc = (spec['location'] as WireObject | undefined) ?? {};
  const dsRef = loc['datastore'] as MoRef | undefined;
  const srcHome = /^\[([^\]]+)\]/.exec(vmxPath(inv, src.data))?.[1] ?? '';
  const ds = dsRef ? (inv.peek(dsRef.value) as ResourceRecord<DatastoreData> | undefined) : undefined;
  if (dsRef && (!ds || ds.data.type !== 'Datastore')) throw fault.notFoundObj(dsRef);
  const target = ds ?? datastoreOfPath(inv, `[${srcHome}]`);
  if (!target.data.accessible) throw new VimFault({ _type: 'InaccessibleDatastore', datastore: moref('Datastore', target.id), name: target.data.name }, `The datastore ${target.data.name} is not accessible.`);
  const poolRef = loc['pool'] as MoRef | undefined;
  // A template has no pool of its own to fall back on: vCenter wants one in the spec.
  if (src.data.template && !poolRef) throw new VimFault({ _type: 'InvalidArgument', invalidProperty: 'spec.location.pool' }, 'A specified parameter was not correct: spec.location.pool');
  const pool = poolRef?.value ?? src.data.resourcePool;
  const host = placeOn(inv, pool, target.id, (loc['host'] as MoRef | undefined) ?? undefined);
  const devices = structuredClone(ownDevices(inv, src.data));
  const vm: VmData = {
    ...structuredClone(src.data),
    name,
    uuid: inv.engine.ids.uuid('vsphere:vm'),
    instanceUuid: inv.engine.ids.uuid('vsphere:vm'),
    powerState: 'poweredOff',
    bootTime: undefined,
    host: host.id,
    resourcePool: pool || hostPoolFolder(inv, host),
    template: spec['template'] === true,
    // A new VM has reported no guest identity yet.
    guest: { net: [], toolsRunning: src.data.guest.toolsRunning },
    vmPathName: `[${target.data.name}] ${name}/${name}.vmx`,
    devices: [],
    changeVersion: 0,
  };
  // Disks are copied next to the clone's home, NICs get new MACs: add them as new devices.
  const changes: WireObject[] = [];
  for (const d of devices) {
    const disk = d._type === 'VirtualDisk';
    const nic = d['macAddress'] !== undefined;
    if (!disk && !nic) {
      vm.devices!.push(d);
      continue;
    }
    const copy: WireObject = { ...d, key: -1 - changes.length };
    if (disk) copy['backing'] = { ...(d['backing'] as WireObject), fileName: '', datastore: moref('Datastore', target.id), uuid: undefined };
    if (nic) copy['addressType'] = 'generated';
    changes.push({ _type: 'VirtualDeviceConfigSpec', operation: 'add', fileOperation: disk ? 'create' : undefined, device: copy });
  }
  applyDeviceChange({ inv, vm }, changes);
  if (spec['config']) applyConfigSpec(inv, undefined, vm, spec['config'] as WireObject);
  syncRefs(inv, vm);
  if (spec['powerOn'] === true && !vm.template) {
    vm.powerState = 'poweredOn';
    vm.bootTime = inv.engine.clock.now();
  }
  const rec = inv.insert<VmData>(vm, folder.id);
  return moref('VirtualMachine', rec.id);
});

defineEffect('vm.reconfigure', (inv, task) => {
  const vm = inv.peek(task.entity ?? '') as ResourceRecord<VmData> | undefined;
  if (!vm || vm.data.type !== 'VirtualMachine') throw fault.notFoundObj(moref('VirtualMachine', task.entity ?? ''));
  const spec = (task.args?.['spec'] as WireObject | undefined) ?? {};
  // Work on a copy: a fault part-way leaves the VM as it was, as a failed vCenter task does.
  const next = structuredClone(vm.data);
  if (typeof spec['name'] === 'string' && spec['name'] !== vm.data.name && inv.children(vm.parent ?? '').some((c) => c.data.name === spec['name'])) {
    throw new VimFault({ _type: 'DuplicateName', name: spec['name'], object: inv.ref(vm.parent ?? '') }, `The name '${String(spec['name'])}' already exists.`);
  }
  if (vm.data.powerState === 'poweredOn') checkHotChange(vm.data, spec);
  applyConfigSpec(inv, vm.id, next, spec);
  Object.assign(vm.data, next);
  return undefined;
});

/**
 * What a running VM refuses: more CPUs without `cpuHotAddEnabled`, fewer without
 * `cpuHotRemoveEnabled` (`CpuHotPlugNotSupported`), more memory without `memoryHotAddEnabled` or
 * any less (`MemoryHotPlugNotSupported`), and changes to the topology or the hot-plug switches
 * themselves, which need the VM off (`InvalidPowerState`).
 */
function checkHotChange(vm: VmData, spec: WireObject): void {
  const cpus = spec['numCPUs'] === undefined ? vm.numCpu : Number(spec['numCPUs']);
  const mem = spec['memoryMB'] === undefined ? vm.memoryMB : Number(spec['memoryMB']);
  const flag = (k: 'cpuHotAddEnabled' | 'cpuHotRemoveEnabled' | 'memoryHotAddEnabled') => typeof spec[k] === 'boolean' && spec[k] !== (vm[k] ?? false);
  if (flag('cpuHotAddEnabled') || flag('cpuHotRemoveEnabled') || flag('memoryHotAddEnabled') || (spec['numCoresPerSocket'] !== undefined && Number(spec['numCoresPerSocket']) !== (vm.numCoresPerSocket ?? 1))) {
    throw fault.invalidPowerState('poweredOff', 'poweredOn');
  }
  if ((cpus > vm.numCpu && !vm.cpuHotAddEnabled) || (cpus < vm.numCpu && !vm.cpuHotRemoveEnabled)) throw new VimFault({ _type: 'CpuHotPlugNotSupported' }, 'CPU hot plug is not supported for this virtual machine.');
  if ((mem > vm.memoryMB && !vm.memoryHotAddEnabled) || mem < vm.memoryMB) throw new VimFault({ _type: 'MemoryHotPlugNotSupported' }, 'Memory hot plug is not supported for this virtual machine.');
}

function vmOf(inv: Inventory, ref: MoRef): ResourceRecord<VmData> {
  return inv.need(ref) as ResourceRecord<VmData>;
}

export const vmProvisionMethods: MethodTable = {
  CreateVM_Task: {
    on: ['Folder'],
    run: (ctx, self, args) => {
      const folder = ctx.inv.need(self);
      ctx.inv.need(args['pool'] as MoRef);
      if (args['host']) ctx.inv.need(args['host'] as MoRef);
      return startTask(ctx, { name: 'CreateVM_Task', descriptionId: 'Folder.createVm', entity: folder.id, effect: 'vm.create', args: { config: args['config'], pool: args['pool'], host: args['host'] } });
    },
  },
  CloneVM_Task: {
    on: ['VirtualMachine'],
    run: (ctx, self, args) => {
      const vm = vmOf(ctx.inv, self);
      ctx.inv.need(args['folder'] as MoRef);
      return startTask(ctx, { name: 'CloneVM_Task', descriptionId: 'VirtualMachine.clone', entity: vm.id, effect: 'vm.clone', args: { folder: args['folder'], name: args['name'], spec: args['spec'] } });
    },
  },
  ReconfigVM_Task: {
    on: ['VirtualMachine'],
    run: (ctx, self, args) => startTask(ctx, { name: 'ReconfigVM_Task', descriptionId: 'VirtualMachine.reconfigure', entity: vmOf(ctx.inv, self).id, effect: 'vm.reconfigure', args: { spec: args['spec'] } }),
  },
  MarkAsTemplate: {
    on: ['VirtualMachine'],
    run: (ctx, self) => {
      const vm = vmOf(ctx.inv, self);
      if (vm.data.powerState !== 'poweredOff') throw fault.invalidPowerState('poweredOff', vm.data.powerState);
      if (vm.data.template) throw fault.notSupported('The virtual machine is already a template.');
      vm.data.template = true;
      ctx.rt.changed();
      return undefined;
    },
  },
};
