/** ResourcePool: a cluster's root pool; its VMs are those placed in it. */
import type { Renderer } from './context.js';
import { entityProps } from './entity.js';

export const renderResourcePool: Renderer = (ctx, id) => {
  const rec = ctx.inv.get(id);
  if (!rec || rec.data.type !== 'ResourcePool') return undefined;
  return {
    ...entityProps(ctx, rec),
    owner: rec.parent ? ctx.inv.ref(rec.parent) : undefined,
    resourcePool: ctx.inv.children(id, 'ResourcePool').map((c) => ctx.inv.ref(c.id)),
    vm: ctx.inv.vms().filter((v) => v.data.resourcePool === id).map((v) => ctx.inv.ref(v.id)),
  };
};
