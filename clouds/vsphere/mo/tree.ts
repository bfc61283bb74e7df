/**
 * The inventory tree as vCenter walks it for container views, inventory paths and FindChild:
 * folders hold their entities, a datacenter its four folders, a compute resource its hosts and
 * root pool, a pool its child pools and VMs, a host the VMs it runs.
 */
import type { ClusterData, DatacenterData, VmData } from '../inventory.js';
import type { ResourceRecord } from '../../../core/store.js';
import type { MoContext } from './context.js';

export function childrenOf(ctx: MoContext, id: string): string[] {
  const rec = ctx.inv.peek(id);
  if (!rec) return [];
  switch (rec.data.type) {
    case 'Folder':
      return ctx.inv.children(id).map((c) => c.id);
    case 'Datacenter': {
      const d = rec.data as DatacenterData;
      return [d.vmFolder, d.hostFolder, d.datastoreFolder, d.networkFolder];
    }
    case 'ClusterComputeResource':
    case 'ComputeResource':
      return [...ctx.inv.hostsOfCluster(id).map((h) => h.id), (rec.data as ClusterData).resourcePool];
    case 'ResourcePool':
      return [...ctx.inv.children(id, 'ResourcePool').map((c) => c.id), ...vmsWhere(ctx, (v) => v.data.resourcePool === id)];
    case 'HostSystem':
      return vmsWhere(ctx, (v) => v.data.host === id);
    default:
      return [];
  }
}

function vmsWhere(ctx: MoContext, pred: (v: ResourceRecord<VmData>) => boolean): string[] {
  return ctx.inv.vms().filter(pred).map((v) => v.id);
}

/** Children for inventory paths: like childrenOf, but a pool's VMs live in the vm folders, not under hosts. */
export function pathChildrenOf(ctx: MoContext, id: string): string[] {
  const rec = ctx.inv.peek(id);
  if (rec?.data.type === 'HostSystem') return [];
  if (rec?.data.type === 'ResourcePool') return ctx.inv.children(id, 'ResourcePool').map((c) => c.id);
  return childrenOf(ctx, id);
}

/** Every descendant (breadth first), each once. */
export function descendants(ctx: MoContext, id: string): string[] {
  const seen = new Set<string>();
  const queue = [id];
  while (queue.length > 0) {
    for (const c of childrenOf(ctx, queue.shift()!)) {
      if (seen.has(c)) continue;
      seen.add(c);
      queue.push(c);
    }
  }
  return [...seen];
}
