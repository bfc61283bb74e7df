/**
 * ViewManager and its views: ContainerView (a container's children or descendants of some types,
 * computed at every read so they follow the inventory) and ListView (an explicit, modifiable list,
 * which the vSphere CSI driver fills with every CNS task it waits for).
 */
import { fault, moref, type MoRef } from '../faults.js';
import { isManagedA, isManagedType } from '../wire/model.js';
import type { WireObject } from '../wire/codec.js';
import type { View } from '../runtime.js';
import type { MethodTable, MoContext, Renderer } from './context.js';
import { typeOf } from './objects.js';
import { childrenOf, descendants } from './tree.js';

function viewOf(ctx: MoContext, self: MoRef): View {
  const v = ctx.rt.views.get(self.value);
  if (!v || v.session !== ctx.session?.key) throw fault.notFoundObj(self);
  return v;
}

function members(ctx: MoContext, v: View): MoRef[] {
  if (v.type === 'ListView') return (v.list ?? []).filter((r) => typeOf(ctx, r.value) !== undefined).map((r) => moref(typeOf(ctx, r.value)!, r.value));
  const ids = v.recursive ? descendants(ctx, v.container!) : childrenOf(ctx, v.container!);
  const types = v.types ?? [];
  const out: MoRef[] = [];
  for (const id of ids) {
    const t = typeOf(ctx, id);
    if (t && (types.length === 0 || types.some((x) => isManagedA(t, x)))) out.push(moref(t, id));
  }
  return out;
}

export const renderView: Renderer = (ctx, id) => {
  const v = ctx.rt.views.get(id);
  if (!v) return undefined;
  const view = members(ctx, v);
  if (v.type === 'ListView') return { view };
  return { view, container: ctx.inv.ref(v.container!), type: v.types ?? [], recursive: v.recursive ?? false };
};

function newView(ctx: MoContext, v: Omit<View, 'id' | 'session'>): MoRef {
  const id = `session[${ctx.session?.key ?? ''}]${ctx.rt.nextId('view-')}`;
  ctx.rt.views.set(id, { ...v, id, session: ctx.session?.key ?? '' });
  return moref(v.type, id);
}

/** Add refs to a list view; those naming nothing come back as unresolved, as vCenter answers. */
function addToList(ctx: MoContext, v: View, refs: MoRef[]): MoRef[] {
  const unresolved: MoRef[] = [];
  v.list ??= [];
  for (const r of refs) {
    if (!typeOf(ctx, r.value)) {
      unresolved.push(moref(r.type, r.value));
      continue;
    }
    if (!v.list.some((x) => x.value === r.value)) v.list.push({ type: r.type, value: r.value });
  }
  ctx.rt.changed();
  return unresolved;
}

export const viewManagerMethods: MethodTable = {
  CreateContainerView: {
    on: ['ViewManager'],
    run: (ctx, _self, args) => {
      const container = args['container'] as MoRef;
      if (!ctx.inv.peek(container.value)) throw fault.notFoundObj(container);
      const types = (args['type'] as string[] | undefined) ?? [];
      for (const t of types) if (!isManagedType(t)) throw fault.invalidArgument('type');
      return newView(ctx, { type: 'ContainerView', container: container.value, types, recursive: args['recursive'] === true });
    },
  },
  CreateListView: {
    on: ['ViewManager'],
    run: (ctx, _self, args) => {
      const ref = newView(ctx, { type: 'ListView', list: [] });
      addToList(ctx, ctx.rt.views.get(ref.value)!, (args['obj'] as MoRef[] | undefined) ?? []);
      return ref;
    },
  },
  CreateListViewFromView: {
    on: ['ViewManager'],
    run: (ctx, _self, args) => {
      const src = viewOf(ctx, args['view'] as MoRef);
      return newView(ctx, { type: 'ListView', list: members(ctx, src).map((r) => ({ type: r.type, value: r.value })) });
    },
  },
  ModifyListView: {
    on: ['ListView'],
    run: (ctx, self, args) => {
      const v = viewOf(ctx, self);
      const remove = new Set(((args['remove'] as WireObject[] | undefined) ?? []).map((r) => String(r['value'])));
      v.list = (v.list ?? []).filter((x) => !remove.has(x.value));
      return addToList(ctx, v, (args['add'] as MoRef[] | undefined) ?? []);
    },
  },
  ResetListView: {
    on: ['ListView'],
    run: (ctx, self, args) => {
      const v = viewOf(ctx, self);
      v.list = [];
      return addToList(ctx, v, (args['obj'] as MoRef[] | undefined) ?? []);
    },
  },
  DestroyView: {
    on: ['View'],
    run: (ctx, self) => {
      viewOf(ctx, self);
      ctx.rt.views.delete(self.value);
      ctx.rt.changed();
      return undefined;
    },
  },
};
