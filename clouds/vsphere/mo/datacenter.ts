/** Datacenter: its four folders, and the datastores and networks under them. */
import type { ResourceRecord } from '../../../core/store.js';
import type { DatacenterData } from '../inventory.js';
import type { Renderer } from './context.js';
import { entityProps } from './entity.js';

export const renderDatacenter: Renderer = (ctx, id) => {
  const rec = ctx.inv.get(id) as ResourceRecord<DatacenterData> | undefined;
  if (!rec || rec.data.type !== 'Datacenter') return undefined;
  const d = rec.data;
  return {
    ...entityProps(ctx, rec),
    vmFolder: ctx.inv.ref(d.vmFolder),
    hostFolder: ctx.inv.ref(d.hostFolder),
    datastoreFolder: ctx.inv.ref(d.datastoreFolder),
    networkFolder: ctx.inv.ref(d.networkFolder),
    datastore: ctx.inv.children(d.datastoreFolder, 'Datastore').map((c) => ctx.inv.ref(c.id)),
    network: ctx.inv.children(d.networkFolder).filter((c) => c.data.type !== 'Folder').map((c) => ctx.inv.ref(c.id)),
    configuration: { _type: 'DatacenterConfigInfo', defaultHardwareVersionKey: 'vmx-21' },
  };
};
