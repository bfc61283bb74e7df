/** Network and DistributedVirtualPortgroup: the hosts that carry them and the VMs on them. */
import type { HostData } from '../inventory.js';
import type { ResourceRecord } from '../../../core/store.js';
import type { Renderer } from './context.js';
import { entityProps } from './entity.js';

export const renderNetwork: Renderer = (ctx, id) => {
  const rec = ctx.inv.get(id);
  if (!rec || (rec.data.type !== 'Network' && rec.data.type !== 'DistributedVirtualPortgroup')) return undefined;
  const hosts = (ctx.inv.all('HostSystem') as ResourceRecord<HostData>[]).filter((h) => h.data.networks.includes(id));
  return {
    ...entityProps(ctx, rec),
    summary: { _type: 'NetworkSummary', network: ctx.inv.ref(id), name: rec.data.name, accessible: true, ipPoolName: '' },
    host: hosts.map((h) => ctx.inv.ref(h.id)),
    vm: ctx.inv.vms().filter((v) => v.data.networks.includes(id)).map((v) => ctx.inv.ref(v.id)),
  };
};
