/** Folder: the root folder, the datacenter's vm/host/datastore/network folders and VM folders. */
import type { ResourceRecord } from '../../../core/store.js';
import type { FolderData } from '../inventory.js';
import type { Renderer } from './context.js';
import { entityProps } from './entity.js';

export const renderFolder: Renderer = (ctx, id) => {
  const rec = ctx.inv.get(id) as ResourceRecord<FolderData> | undefined;
  if (!rec || rec.data.type !== 'Folder') return undefined;
  return {
    ...entityProps(ctx, rec),
    childType: rec.data.childType,
    childEntity: ctx.inv.children(id).map((c) => ctx.inv.ref(c.id)),
  };
};
