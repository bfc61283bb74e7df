/**
 * A VM's virtual hardware as devices: the layout a seeded VM is born with, the stored list a
 * created, cloned or reconfigured VM carries, and `deviceChange` (add, edit, remove; disk files
 * created) applied to it as vCenter does: keys and unit numbers handed out per controller, disk
 * files named after the VM, MACs generated, CNS disks kept on their SCSI units.
 */
import type { ResourceRecord } from '../../../core/store.js';
import { attachedDisks } from '../cns/volume-manager.js';
import { VimFault, moref, type MoRef } from '../faults.js';
import type { DatastoreData, Inventory, NetworkData, VmData } from '../inventory.js';
import type { WireObject, WireValue } from '../wire/codec.js';
import { isA } from '../wire/model.js';

type Device = WireObject;

/** The `[datastore] name/name.vmx` path of a VM. */
export function vmxPath(inv: Inventory, d: VmData): string {
  if (d.vmPathName) return d.vmPathName;
  const ds = d.datastores[0] ? (inv.peek(d.datastores[0]) as ResourceRecord<DatastoreData> | undefined) : undefined;
  return `[${ds?.data.name ?? 'datastore1'}] ${d.name}/${d.name}.vmx`;
}

const describe = (label: string, summary: string): WireObject => ({ _type: 'Description', label, summary });

/** The hardware of a seeded VM: IDE and paravirtual SCSI controllers, a 40 GB boot disk, a vNIC per network. */
export function defaultDevices(inv: Inventory, d: VmData): Device[] {
  const path = vmxPath(inv, d);
  const out: Device[] = [
    { _type: 'VirtualIDEController', key: 200, deviceInfo: describe('IDE 0', 'IDE 0'), busNumber: 0 },
    { _type: 'VirtualPCIController', key: 100, deviceInfo: describe('PCI controller 0', 'PCI controller 0'), busNumber: 0 },
    { _type: 'ParaVirtualSCSIController', key: 1000, deviceInfo: describe('SCSI controller 0', 'VMware paravirtual SCSI'), controllerKey: 100, unitNumber: 3, busNumber: 0, hotAddRemove: true, sharedBus: 'noSharing', scsiCtlrUnitNumber: 7 },
    {
      _type: 'VirtualDisk',
      key: 2000,
      deviceInfo: describe('Hard disk 1', '41,943,040 KB'),
      backing: { _type: 'VirtualDiskFlatVer2BackingInfo', fileName: path.replace(/\.vmx$/, '.vmdk'), datastore: d.datastores[0] ? inv.ref(d.datastores[0]) : undefined, diskMode: 'persistent', thinProvisioned: true, uuid: `6000C29${d.uuid.replace(/-/g, '').slice(7)}` },
      controllerKey: 1000,
      unitNumber: 0,
      capacityInKB: 41943040,
      capacityInBytes: 42949672960,
    },
  ];
  d.networks.forEach((n, i) => {
    const name = inv.peek(n)?.data.name ?? '';
    out.push({
      _type: 'VirtualVmxnet3',
      key: 4000 + i,
      deviceInfo: describe(`Network adapter ${i + 1}`, name),
      backing: { _type: 'VirtualEthernetCardNetworkBackingInfo', deviceName: name, network: inv.ref(n) },
      connectable: { _type: 'VirtualDeviceConnectInfo', startConnected: true, allowGuestControl: true, connected: true, status: 'ok' },
      controllerKey: 100,
      unitNumber: 7 + i,
      addressType: 'assigned',
      macAddress: d.guest.net[i]?.macAddress ?? `00:50:56:00:00:${(i + 1).toString(16).padStart(2, '0')}`,
      wakeOnLanEnabled: true,
    });
  });
  return out;
}

/** The VM's stored device list, made from its seeded layout the first time it is changed. */
export function ownDevices(inv: Inventory, d: VmData): Device[] {
  d.devices ??= defaultDevices(inv, d);
  return d.devices;
}

const isController = (dev: Device) => isA(String(dev._type), 'VirtualController');
const isScsi = (dev: Device) => isA(String(dev._type), 'VirtualSCSIController');
const isDisk = (dev: Device) => dev._type === 'VirtualDisk';
const isNic = (dev: Device) => isA(String(dev._type), 'VirtualEthernetCard');

/** The devices as `config.hardware.device` shows them: CNS disks added, controllers listing their devices, NICs connected while on. */
export function renderDevices(inv: Inventory, id: string, d: VmData): Device[] {
  const out = (d.devices ?? defaultDevices(inv, d)).map((dev) => ({ ...dev }));
  const scsi = out.find(isScsi);
  if (scsi) {
    for (const v of attachedDisks(inv, id)) {
      const unit = v.data.unitNumber ?? 0;
      out.push({
        _type: 'VirtualDisk',
        key: diskKey(out, scsi, unit),
        deviceInfo: describe(`Hard disk ${out.filter(isDisk).length + 1}`, `${v.data.capacityInMb * 1024} KB`),
        backing: { _type: 'VirtualDiskFlatVer2BackingInfo', fileName: `[${inv.peek(v.data.datastore)?.data.name ?? ''}] fcd/${v.id.replace(/-/g, '')}.vmdk`, datastore: inv.ref(v.data.datastore), diskMode: 'persistent', thinProvisioned: true, uuid: v.data.diskUUID },
        controllerKey: scsi['key'] as number,
        unitNumber: unit,
        capacityInKB: v.data.capacityInMb * 1024,
        capacityInBytes: v.data.capacityInMb * 2 ** 20,
        vDiskId: { _type: 'ID', id: v.id },
      });
    }
  }
  for (const dev of out) {
    if (isController(dev)) {
      const kids = out.filter((x) => x['controllerKey'] === dev['key']).map((x) => x['key'] as number);
      dev['device'] = kids.length > 0 ? kids : undefined;
    }
    if (isNic(dev) && dev['connectable']) {
      const c = dev['connectable'] as WireObject;
      dev['connectable'] = { ...c, connected: d.powerState === 'poweredOn' && c['startConnected'] !== false };
    }
  }
  return out;
}

/** SCSI unit numbers in use on the VM's first SCSI controller (CNS attaches pick a free one). */
export function usedScsiUnits(inv: Inventory, d: VmData): Set<number> {
  const devs = d.devices ?? defaultDevices(inv, d);
  const scsi = devs.find(isScsi);
  return new Set(devs.filter((x) => scsi && x['controllerKey'] === scsi['key']).map((x) => Number(x['unitNumber'])));
}

// ---------------------------------------------------------------- deviceChange

/** vCenter's key ranges per device kind. */
function keyBase(dev: Device): number {
  const t = String(dev._type);
  if (isScsi(dev)) return 1000;
  if (isDisk(dev)) return 2000;
  if (isNic(dev)) return 4000;
  const bases: Array<[string, number]> = [
    ['VirtualPCIController', 100], ['VirtualIDEController', 200], ['VirtualPS2Controller', 300], ['VirtualSIOController', 400],
    ['VirtualMachineVideoCard', 500], ['VirtualKeyboard', 600], ['VirtualPointingDevice', 700], ['VirtualCdrom', 3000],
    ['VirtualUSBController', 7000], ['VirtualFloppy', 8000], ['VirtualSerialPort', 9000], ['VirtualMachineVMCIDevice', 12000],
    ['VirtualUSBXHCIController', 14000], ['VirtualAHCIController', 15000], ['VirtualSATAController', 15000], ['VirtualNVMEController', 31000],
  ];
  return bases.find(([name]) => isA(t, name))?.[1] ?? 13000;
}

/** A SCSI disk's key is 2000 + 16 × the controller's bus + its unit, as vCenter numbers them. */
function diskKey(devs: Device[], controller: Device, unit: number): number {
  return 2000 + 16 * Number(controller['busNumber'] ?? 0) + unit;
}

function freeKey(devs: Device[], base: number): number {
  const used = new Set(devs.map((x) => x['key'] as number));
  let k = base;
  while (used.has(k)) k++;
  return k;
}

/** Units a controller offers: SCSI 0-15 without its own unit 7, IDE 2, SATA 30, NVMe 15, PCI slots for NICs from 7. */
function unitsOf(controller: Device): number[] {
  const t = String(controller._type);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  if (isScsi(controller)) return range(0, 15).filter((u) => u !== Number(controller['scsiCtlrUnitNumber'] ?? 7));
  if (isA(t, 'VirtualIDEController')) return [0, 1];
  if (isA(t, 'VirtualSATAController')) return range(0, 29);
  if (isA(t, 'VirtualNVMEController')) return range(0, 14);
  if (isA(t, 'VirtualPCIController')) return range(7, 31);
  return range(0, 15);
}

export function deviceFault(index: number, message: string, property = 'virtualDeviceSpec.device'): VimFault {
  return new VimFault({ _type: 'InvalidDeviceSpec', property, deviceIndex: index }, message);
}

export interface ChangeContext {
  inv: Inventory;
  vm: VmData;
  /** Used-unit lookups must see the VM's CNS disks too. */
  vmId?: string;
}

/** The `[ds] vm/vm.vmdk` (then `vm_1.vmdk`, …) name of a new disk file. */
function newDiskFile(c: ChangeContext, devs: Device[], dsName: string): string {
  const taken = new Set(devs.filter(isDisk).map((x) => String((x['backing'] as WireObject | undefined)?.['fileName'] ?? '')));
  for (let n = 0; ; n++) {
    const f = `[${dsName}] ${c.vm.name}/${c.vm.name}${n === 0 ? '' : `_${n}`}.vmdk`;
    if (!taken.has(f)) return f;
  }
}

function datastoreNamed(inv: Inventory, name: string): ResourceRecord<DatastoreData> | undefined {
  return (inv.all('Datastore') as ResourceRecord<DatastoreData>[]).find((x) => x.data.name === name);
}

/** Fill what vCenter fills when a device is added: key, unit, label, disk file and UUID, MAC, network. */
function prepareAdd(c: ChangeContext, devs: Device[], dev: Device, i: number, create: boolean, keys: Map<number, number>): void {
  const inv = c.inv;
  if (isNic(dev)) dev['controllerKey'] ??= 100;
  const ck = dev['controllerKey'] as number | undefined;
  if (ck !== undefined && keys.has(ck)) dev['controllerKey'] = keys.get(ck);
  const controller = dev['controllerKey'] !== undefined ? devs.find((x) => x['key'] === dev['controllerKey']) : undefined;
  if (dev['controllerKey'] !== undefined && !controller && !isNic(dev)) throw deviceFault(i, `Device ${i}: no controller with key ${String(dev['controllerKey'])}.`, 'virtualDeviceSpec.device.controllerKey');
  if (controller && dev['unitNumber'] === undefined) {
    const used = new Set(devs.filter((x) => x['controllerKey'] === controller['key']).map((x) => Number(x['unitNumber'])));
    if (isScsi(controller) && c.vmId) for (const v of attachedDisks(inv, c.vmId)) used.add(v.data.unitNumber ?? 0);
    const free = unitsOf(controller).find((u) => !used.has(u));
    if (free === undefined) throw deviceFault(i, `Device ${i}: controller ${String(controller['key'])} has no free unit.`, 'virtualDeviceSpec.device.unitNumber');
    dev['unitNumber'] = free;
  } else if (controller && devs.some((x) => x['controllerKey'] === controller['key'] && x['unitNumber'] === dev['unitNumber'])) {
    throw deviceFault(i, `Device ${i}: unit ${String(dev['unitNumber'])} of controller ${String(controller['key'])} is in use.`, 'virtualDeviceSpec.device.unitNumber');
  }
  const temp = dev['key'] as number | undefined;
  const key = isDisk(dev) && controller && isScsi(controller) ? diskKey(devs, controller, Number(dev['unitNumber'])) : freeKey(devs, keyBase(dev));
  if (temp !== undefined && temp < 0) keys.set(temp, key);
  dev['key'] = devs.some((x) => x['key'] === key) ? freeKey(devs, keyBase(dev)) : key;
  if (isScsi(dev)) dev['busNumber'] ??= devs.filter(isScsi).length;
  const n = devs.filter((x) => x._type === dev._type || (isNic(x) && isNic(dev)) || (isScsi(x) && isScsi(dev))).length + 1;
  if (isDisk(dev)) {
    const b = { ...((dev['backing'] as WireObject | undefined) ?? { _type: 'VirtualDiskFlatVer2BackingInfo' }) };
    const file = String(b['fileName'] ?? '');
    const m = /^\[([^\]]*)\]\s*(.*)$/.exec(file);
    const dsRef = b['datastore'] as MoRef | undefined;
    const ds = (m && m[1] ? datastoreNamed(inv, m[1]) : undefined) ?? (dsRef ? (inv.peek(dsRef.value) as ResourceRecord<DatastoreData> | undefined) : undefined) ?? (c.vm.datastores[0] ? (inv.peek(c.vm.datastores[0]) as ResourceRecord<DatastoreData> | undefined) : undefined);
    if (!create && !m?.[2]) throw deviceFault(i, `Device ${i}: a disk added without fileOperation create needs an existing file.`, 'virtualDeviceSpec.device.backing.fileName');
    if (!ds) throw new VimFault({ _type: 'InvalidDatastorePath', datastorePath: file }, `Invalid datastore path '${file}'.`);
    b['fileName'] = m?.[2] ? file : newDiskFile(c, devs, ds.data.name);
    b['datastore'] = moref('Datastore', ds.id);
    b['diskMode'] ??= 'persistent';
    if (create || !b['uuid']) b['uuid'] = `6000C29${inv.engine.ids.hex('vsphere:disk', 25)}`;
    dev['backing'] = b;
    const bytes = dev['capacityInBytes'] !== undefined ? Number(dev['capacityInBytes']) : Number(dev['capacityInKB'] ?? 0) * 1024;
    dev['capacityInBytes'] = bytes;
    dev['capacityInKB'] = Math.floor(bytes / 1024);
    dev['deviceInfo'] = describe(`Hard disk ${n}`, `${(bytes / 1024).toLocaleString('en-US')} KB`);
  } else if (isNic(dev)) {
    const b = dev['backing'] as WireObject | undefined;
    const netRef = b?.['network'] as MoRef | undefined;
    const net = (netRef ? inv.peek(netRef.value) : undefined) ?? (inv.all('Network') as ResourceRecord<NetworkData>[]).find((x) => x.data.name === b?.['deviceName']);
    if (b && b._type === 'VirtualEthernetCardNetworkBackingInfo') {
      if (!net) throw deviceFault(i, `Device ${i}: no network '${String(b['deviceName'] ?? '')}'.`, 'virtualDeviceSpec.device.backing.deviceName');
      dev['backing'] = { ...b, deviceName: net.data.name, network: moref(net.data.type, net.id) };
    }
    if (!dev['macAddress'] || dev['addressType'] !== 'manual') {
      dev['addressType'] = 'assigned';
      dev['macAddress'] = `00:50:56:${inv.engine.ids.hex('vsphere:mac', 6).replace(/(..)(..)(..)/, '$1:$2:$3')}`;
    }
    dev['connectable'] ??= { _type: 'VirtualDeviceConnectInfo', startConnected: true, allowGuestControl: true, connected: false, status: 'ok' };
    dev['deviceInfo'] = describe(`Network adapter ${n}`, net?.data.name ?? '');
  } else {
    const label = isScsi(dev) ? `SCSI controller ${n - 1}` : isA(String(dev._type), 'VirtualCdrom') ? `CD/DVD drive ${n}` : `${String(dev._type).replace(/^Virtual/, '')} ${n}`;
    dev['deviceInfo'] ??= describe(label, label);
  }
}

/** Apply a ConfigSpec's `deviceChange` to the VM's devices (throws the fault vCenter ends the task with). */
export function applyDeviceChange(c: ChangeContext, changes: readonly WireValue[]): void {
  const devs = ownDevices(c.inv, c.vm);
  const keys = new Map<number, number>();
  changes.forEach((raw, i) => {
    const spec = raw as WireObject;
    const dev = { ...((spec['device'] as WireObject | undefined) ?? {}) };
    const op = spec['operation'] as string | undefined;
    const fileOp = spec['fileOperation'] as string | undefined;
    if (!dev._type) throw deviceFault(i, `Device ${i}: no device.`);
    if (op === 'add') {
      prepareAdd(c, devs, dev, i, fileOp === 'create', keys);
      devs.push(dev);
      return;
    }
    const at = devs.findIndex((x) => x['key'] === dev['key']);
    if (at === -1) throw deviceFault(i, `Device ${i}: the VM has no device with key ${String(dev['key'])}.`, 'virtualDeviceSpec.device.key');
    const old = devs[at]!;
    if (op === 'remove') {
      if (devs.some((x) => x['controllerKey'] === old['key'])) throw deviceFault(i, `Device ${i}: controller ${String(old['key'])} still has devices.`);
      devs.splice(at, 1);
      return;
    }
    if (op !== 'edit') throw deviceFault(i, `Device ${i}: operation '${String(op)}' is not add, edit or remove.`, 'virtualDeviceSpec.operation');
    if (dev._type !== old._type) throw deviceFault(i, `Device ${i}: a ${String(old._type)} cannot become a ${String(dev._type)}.`);
    if (isDisk(old)) {
      const bytes = dev['capacityInBytes'] !== undefined && dev['capacityInBytes'] !== old['capacityInBytes'] ? Number(dev['capacityInBytes']) : Number(dev['capacityInKB'] ?? old['capacityInKB']) * 1024;
      if (bytes < Number(old['capacityInBytes'])) throw new VimFault({ _type: 'InvalidDeviceOperation', property: 'virtualDeviceSpec.device.capacityInKB', deviceIndex: i, badOp: 'edit' }, 'The disk capacity cannot be reduced.');
      dev['capacityInBytes'] = bytes;
      dev['capacityInKB'] = Math.floor(bytes / 1024);
      dev['backing'] = old['backing'];
      dev['deviceInfo'] = describe(String((old['deviceInfo'] as WireObject | undefined)?.['label'] ?? 'Hard disk'), `${(bytes / 1024).toLocaleString('en-US')} KB`);
    }
    devs[at] = { ...old, ...dev, key: old['key'], controllerKey: old['controllerKey'], unitNumber: dev['unitNumber'] ?? old['unitNumber'] };
  });
  syncRefs(c.inv, c.vm);
}

/** `datastore` and `network` follow the devices: the VM's home datastore, its disks', its NICs' networks. */
export function syncRefs(inv: Inventory, d: VmData): void {
  const devs = d.devices ?? [];
  const home = /^\[([^\]]*)\]/.exec(vmxPath(inv, d))?.[1];
  const ds = new Set<string>();
  const homeDs = home ? datastoreNamed(inv, home) : undefined;
  if (homeDs) ds.add(homeDs.id);
  for (const x of devs.filter(isDisk)) {
    const r = (x['backing'] as WireObject | undefined)?.['datastore'] as MoRef | undefined;
    if (r) ds.add(r.value);
  }
  d.datastores = [...ds];
  d.networks = [...new Set(devs.filter(isNic).map((x) => ((x['backing'] as WireObject | undefined)?.['network'] as MoRef | undefined)?.value).filter((x): x is string => !!x))];
}

export const countDisks = (devs: Device[]) => devs.filter(isDisk).length;
export const countNics = (devs: Device[]) => devs.filter(isNic).length;
