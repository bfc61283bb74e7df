/**
 * Every managed object a client can name: inventory entities and tasks from the store, the
 * service singletons, and the session's collectors, filters and views. `typeOf` says what an id
 * is; `render` gives its properties as the generated managed-object table names them.
 */
import type { WireObject } from '../wire/codec.js';
import { isManagedA } from '../wire/model.js';
import type { MoContext, Renderer } from './context.js';
import { renderComputeResource } from './compute-resource.js';
import { renderDatacenter } from './datacenter.js';
import { renderDatastore } from './datastore.js';
import { renderFolder } from './folder.js';
import { renderHostSystem } from './host-system.js';
import { renderNetwork } from './network.js';
import { renderResourcePool } from './resource-pool.js';
import { renderTask, TASK } from './task.js';
import { renderVirtualMachine } from './virtual-machine.js';
import { renderServiceInstance, renderSessionManager, SINGLETONS } from './service-instance.js';
import { renderCollector, renderFilter } from './property-collector.js';
import { renderView } from './view-manager.js';
import { isSnapshot, renderSnapshot } from './vm-snapshot.js';

const ENTITY_RENDERERS: Record<string, Renderer> = {
  Folder: renderFolder,
  Datacenter: renderDatacenter,
  ClusterComputeResource: renderComputeResource,
  ComputeResource: renderComputeResource,
  HostSystem: renderHostSystem,
  ResourcePool: renderResourcePool,
  Datastore: renderDatastore,
  Network: renderNetwork,
  DistributedVirtualPortgroup: renderNetwork,
  VirtualMachine: renderVirtualMachine,
};

/** The managed object type of an id, or undefined when nothing by that id exists. */
export function typeOf(ctx: MoContext, id: string): string | undefined {
  const s = SINGLETONS[id];
  if (s) return s;
  const e = ctx.inv.peek(id);
  if (e) return e.data.type;
  if (ctx.inv.tenant.collection(TASK).peek(id)) return 'Task';
  if (isSnapshot(ctx.inv, id)) return 'VirtualMachineSnapshot';
  const c = ctx.rt.collectors.get(id);
  if (c) return 'PropertyCollector';
  for (const col of ctx.rt.collectors.values()) if (col.filters.has(id)) return 'PropertyFilter';
  const v = ctx.rt.views.get(id);
  if (v) return v.type;
  return undefined;
}

/** The properties of the object `ref` names, or undefined when it does not exist (or is of another type). */
export function render(ctx: MoContext, ref: { type: string; value: string }): WireObject | undefined {
  const type = typeOf(ctx, ref.value);
  if (!type || !isManagedA(type, ref.type)) return undefined;
  const entity = ENTITY_RENDERERS[type];
  if (entity) return entity(ctx, ref.value);
  switch (type) {
    case 'Task':
      return renderTask(ctx, ref.value);
    case 'PropertyCollector':
      return renderCollector(ctx, ref.value);
    case 'PropertyFilter':
      return renderFilter(ctx, ref.value);
    case 'ContainerView':
    case 'ListView':
      return renderView(ctx, ref.value);
    case 'VirtualMachineSnapshot':
      return renderSnapshot(ctx, ref.value);
    case 'ServiceInstance':
      return renderServiceInstance(ctx, ref.value);
    case 'SessionManager':
      return renderSessionManager(ctx, ref.value);
    default:
      return {};
  }
}
