/**
 * SearchIndex: the lookups the vSphere cloud provider and CSI driver make to find a node's VM:
 * by inventory path, child name, BIOS or instance UUID (case-insensitive; the CPI itself retries
 * with the byte-swapped UUID a Kubernetes node reports), guest DNS name and guest IP.
 */
import type { ResourceRecord } from '../../../core/store.js';
import type { HostData, VmData } from '../inventory.js';
import { fault, type MoRef } from '../faults.js';
import type { WireObject, WireValue } from '../wire/codec.js';
import type { MethodTable, MoContext } from './context.js';
import { pathChildrenOf } from './tree.js';

function dcScope(ctx: MoContext, args: WireObject): string | undefined {
  const dc = args['datacenter'] as MoRef | undefined;
  if (!dc) return undefined;
  const rec = ctx.inv.peek(dc.value);
  if (!rec || rec.data.type !== 'Datacenter') throw fault.notFoundObj(dc);
  return dc.value;
}

function inDc(ctx: MoContext, id: string, dc: string | undefined): boolean {
  return dc === undefined || ctx.inv.datacenterOf(id)?.id === dc;
}

function runningGuest(v: ResourceRecord<VmData>): boolean {
  return v.data.powerState === 'poweredOn' && v.data.guest.toolsRunning;
}

function findVmsOrHosts(ctx: MoContext, args: WireObject, vmMatch: (v: ResourceRecord<VmData>) => boolean, hostMatch: (h: ResourceRecord<HostData>) => boolean): MoRef[] {
  const dc = dcScope(ctx, args);
  if (args['vmSearch'] === true) return ctx.inv.vms().filter((v) => inDc(ctx, v.id, dc) && vmMatch(v)).map((v) => ctx.inv.ref(v.id));
  return (ctx.inv.all('HostSystem') as ResourceRecord<HostData>[]).filter((h) => inDc(ctx, h.id, dc) && hostMatch(h)).map((h) => ctx.inv.ref(h.id));
}

function byUuid(ctx: MoContext, args: WireObject): MoRef[] {
  const uuid = String(args['uuid'] ?? '').toLowerCase();
  const instance = args['instanceUuid'] === true;
  if (instance && args['vmSearch'] !== true) throw fault.invalidArgument('instanceUuid');
  return findVmsOrHosts(ctx, args, (v) => (instance ? v.data.instanceUuid : v.data.uuid) === uuid, (h) => h.data.uuid.toLowerCase() === uuid);
}

function byDns(ctx: MoContext, args: WireObject): MoRef[] {
  const name = String(args['dnsName'] ?? '').toLowerCase();
  return findVmsOrHosts(ctx, args, (v) => runningGuest(v) && (v.data.guest.hostName ?? '').toLowerCase() === name, (h) => h.data.name.toLowerCase() === name);
}

function byIp(ctx: MoContext, args: WireObject): MoRef[] {
  const ip = String(args['ip'] ?? '');
  return findVmsOrHosts(ctx, args, (v) => runningGuest(v) && (v.data.guest.ipAddress === ip || v.data.guest.net.some((n) => n.ipAddress.includes(ip))), () => false);
}

function child(ctx: MoContext, parent: string, name: string): string | undefined {
  return pathChildrenOf(ctx, parent).find((id) => ctx.inv.peek(id)?.data.name === name);
}

const first = (refs: MoRef[]): WireValue => refs[0];

export const searchIndexMethods: MethodTable = {
  FindByInventoryPath: {
    on: ['SearchIndex'],
    run: (ctx, _self, args) => {
      const parts = String(args['inventoryPath'] ?? '').split('/').filter(Boolean).map((p) => p.replace(/%2f/gi, '/').replace(/%25/g, '%'));
      let at = ctx.inv.rootFolder();
      for (const p of parts) {
        const next = child(ctx, at, p);
        if (!next) return undefined;
        at = next;
      }
      return ctx.inv.ref(at);
    },
  },
  FindChild: {
    on: ['SearchIndex'],
    run: (ctx, _self, args) => {
      const entity = args['entity'] as MoRef;
      if (!ctx.inv.peek(entity.value)) throw fault.notFoundObj(entity);
      const id = child(ctx, entity.value, String(args['name'] ?? ''));
      return id ? ctx.inv.ref(id) : undefined;
    },
  },
  FindByUuid: { on: ['SearchIndex'], run: (ctx, _s, args) => first(byUuid(ctx, args)) },
  FindAllByUuid: { on: ['SearchIndex'], run: (ctx, _s, args) => byUuid(ctx, args) },
  FindByDnsName: { on: ['SearchIndex'], run: (ctx, _s, args) => first(byDns(ctx, args)) },
  FindAllByDnsName: { on: ['SearchIndex'], run: (ctx, _s, args) => byDns(ctx, args) },
  FindByIp: { on: ['SearchIndex'], run: (ctx, _s, args) => first(byIp(ctx, args)) },
  FindAllByIp: { on: ['SearchIndex'], run: (ctx, _s, args) => byIp(ctx, args) },
};
