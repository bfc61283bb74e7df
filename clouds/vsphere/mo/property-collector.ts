/**
 * PropertyCollector and PropertyFilter: RetrieveProperties(Ex) with maxObjects paging tokens,
 * session-scoped collectors and filters, and WaitForUpdatesEx: a long-poll that reports objects
 * entering, changing and leaving a filter since the version the caller last saw.
 */
import type { WireObject, WireValue } from '../wire/codec.js';
import { fault, moref, type MoRef } from '../faults.js';
import type { Collector, Filter } from '../runtime.js';
import type { MethodTable, MoContext, Renderer } from './context.js';
import { objectContent, pathsFor, propertiesFor, RenderCache, selectObjects, serializeVal, validatePaths } from './collect.js';

/** vCenter pages a RetrievePropertiesEx without maxObjects too. */
const DEFAULT_PAGE = 100;
/** Longest a WaitForUpdatesEx without maxWaitSeconds is held before it is re-checked. */
const RECHECK_MS = 1000;
/**
 * A wait without maxWaitSeconds ends (with no updates, which callers loop on) after this long, so a
 * long-poll whose client went away without CancelWaitForUpdates does not run forever.
 */
const UNBOUNDED_WAIT_MS = 10 * 60_000;

/** The state behind a collector reference: a created one, or the session's view of the default one. */
function collectorOf(ctx: MoContext, self: MoRef): Collector {
  if (self.value === 'propertyCollector') {
    const key = `propertyCollector@${ctx.session?.key ?? ''}`;
    let c = ctx.rt.collectors.get(key);
    if (!c) ctx.rt.collectors.set(key, (c = newCollector(key, ctx.session?.key ?? '')));
    return c;
  }
  const c = ctx.rt.collectors.get(self.value);
  if (!c || c.session !== ctx.session?.key) throw fault.notFoundObj(self);
  return c;
}

function newCollector(id: string, session: string): Collector {
  return { id, session, filters: new Map(), version: 0, pages: new Map(), nextToken: 0, cancelled: false, waiting: 0 };
}

function findFilter(ctx: MoContext, id: string): Filter | undefined {
  for (const c of ctx.rt.collectors.values()) if (c.session === ctx.session?.key && c.filters.has(id)) return c.filters.get(id);
  return undefined;
}

export const renderCollector: Renderer = (ctx, id) => {
  const c = ctx.rt.collectors.get(id);
  return c ? { filter: [...c.filters.keys()].map((f) => moref('PropertyFilter', f)) } : undefined;
};

export const renderFilter: Renderer = (ctx, id) => {
  const f = findFilter(ctx, id);
  return f ? { spec: f.spec, partialUpdates: f.partialUpdates } : undefined;
};

function retrieve(ctx: MoContext, specSet: WireObject[]): WireObject[] {
  const cache = new RenderCache(ctx);
  const out: WireObject[] = [];
  for (const spec of specSet) {
    validatePaths(spec);
    const sel = selectObjects(cache, spec, true);
    for (const ref of sel.objects) {
      const paths = pathsFor(spec, ref.type);
      if (!paths) continue;
      ctx.call?.touch(ref.value);
      out.push(objectContent(ref, propertiesFor(cache, ref, paths)));
    }
  }
  return out;
}

function page(c: Collector, objects: WireObject[], max: number): WireValue {
  if (objects.length === 0) return undefined;
  if (objects.length <= max) return { _type: 'RetrieveResult', objects };
  const token = String(++c.nextToken);
  c.pages.set(token, { rest: objects.slice(max), max });
  return { _type: 'RetrieveResult', token, objects: objects.slice(0, max) };
}

/** Updates of one filter since it last reported; `reported` moves on. */
function filterUpdate(ctx: MoContext, cache: RenderCache, f: Filter): WireObject | undefined {
  const sel = selectObjects(cache, f.spec, false);
  const now = new Map<string, { type: string; values: Map<string, string> }>();
  const updates: WireObject[] = [];
  for (const ref of sel.objects) {
    const paths = pathsFor(f.spec, ref.type);
    if (!paths) continue;
    const values = new Map<string, string>();
    const before = f.reported.get(ref.value)?.values;
    const changes: WireObject[] = [];
    for (const p of propertiesFor(cache, ref, paths)) {
      const xml = serializeVal(p.val);
      values.set(p.name, xml);
      if (before?.get(p.name) !== xml) changes.push({ _type: 'PropertyChange', name: p.name, op: 'assign', val: { _raw: xml } });
    }
    if (before) for (const name of before.keys()) if (!values.has(name)) changes.push({ _type: 'PropertyChange', name, op: 'assign' });
    now.set(ref.value, { type: ref.type, values });
    if (!before) updates.push({ _type: 'ObjectUpdate', kind: 'enter', obj: ref, changeSet: changes });
    else if (changes.length > 0) updates.push({ _type: 'ObjectUpdate', kind: 'modify', obj: ref, changeSet: changes });
  }
  for (const [id, r] of f.reported) if (!now.has(id)) updates.push({ _type: 'ObjectUpdate', kind: 'leave', obj: moref(r.type, id) });
  f.reported = now;
  const missing = f.spec['reportMissingObjectsInResults'] === true ? sel.missing.map((obj) => ({ _type: 'MissingObject', obj, fault: { _type: 'LocalizedMethodFault', fault: fault.notFoundObj(obj).fault } })) : [];
  if (updates.length === 0 && missing.length === 0) return undefined;
  return { _type: 'PropertyFilterUpdate', filter: moref('PropertyFilter', f.id), objectSet: updates, missingSet: missing };
}

async function waitForUpdates(ctx: MoContext, self: MoRef, version: WireValue, maxWaitSeconds: number | undefined, legacy = false): Promise<WireValue> {
  const c = collectorOf(ctx, self);
  if (version !== undefined && version !== '' && !/^\d+$/.test(String(version))) throw fault.invalidCollectorVersion();
  const deadline = Date.now() + (maxWaitSeconds === undefined ? UNBOUNDED_WAIT_MS : maxWaitSeconds * 1000);
  c.cancelled = false;
  for (;;) {
    ctx.engine.lifecycle.settle();
    const cache = new RenderCache(ctx);
    const filterSet: WireObject[] = [];
    for (const f of c.filters.values()) {
      const u = filterUpdate(ctx, cache, f);
      if (u) filterSet.push(u);
    }
    if (filterSet.length > 0) return { _type: 'UpdateSet', version: String(++c.version), filterSet };
    const left = deadline - Date.now();
    if (left <= 0) return legacy ? { _type: 'UpdateSet', version: String(c.version), filterSet: [] } : undefined;
    const due = ctx.engine.lifecycle.nextDue();
    const untilDue = due === undefined ? RECHECK_MS : ctx.engine.clock.realDelayUntil(due);
    c.waiting++;
    try {
      await ctx.rt.wait(Math.min(left, RECHECK_MS, Math.max(1, untilDue)));
    } finally {
      c.waiting--;
    }
    if (c.cancelled) {
      c.cancelled = false;
      throw fault.requestCanceled();
    }
    if (ctx.session && !ctx.rt.session(ctx.session.key)) throw fault.notAuthenticated();
    if (ctx.rt.collectors.get(c.id) !== c) throw fault.notFoundObj(self);
  }
}

export const propertyCollectorMethods: MethodTable = {
  RetrievePropertiesEx: {
    on: ['PropertyCollector'],
    run: (ctx, self, args) => {
      const c = collectorOf(ctx, self);
      const max = Number((args['options'] as WireObject | undefined)?.['maxObjects'] ?? 0);
      return page(c, retrieve(ctx, (args['specSet'] as WireObject[] | undefined) ?? []), max > 0 ? max : DEFAULT_PAGE);
    },
  },
  ContinueRetrievePropertiesEx: {
    on: ['PropertyCollector'],
    run: (ctx, self, args) => {
      const c = collectorOf(ctx, self);
      const token = String(args['token'] ?? '');
      const p = c.pages.get(token);
      if (!p) throw fault.invalidArgument('token');
      c.pages.delete(token);
      return page(c, p.rest, p.max);
    },
  },
  CancelRetrievePropertiesEx: {
    on: ['PropertyCollector'],
    run: (ctx, self, args) => {
      collectorOf(ctx, self).pages.delete(String(args['token'] ?? ''));
      return undefined;
    },
  },
  RetrieveProperties: {
    on: ['PropertyCollector'],
    run: (ctx, self, args) => {
      collectorOf(ctx, self);
      return retrieve(ctx, (args['specSet'] as WireObject[] | undefined) ?? []);
    },
  },
  CreatePropertyCollector: {
    on: ['PropertyCollector'],
    run: (ctx) => {
      const id = `session[${ctx.session?.key ?? ''}]${ctx.rt.nextId('pc-')}`;
      ctx.rt.collectors.set(id, newCollector(id, ctx.session?.key ?? ''));
      return moref('PropertyCollector', id);
    },
  },
  DestroyPropertyCollector: {
    on: ['PropertyCollector'],
    run: (ctx, self) => {
      const c = collectorOf(ctx, self);
      ctx.rt.collectors.delete(c.id);
      ctx.rt.changed();
      return undefined;
    },
  },
  CreateFilter: {
    on: ['PropertyCollector'],
    run: (ctx, self, args) => {
      const c = collectorOf(ctx, self);
      const spec = args['spec'] as WireObject;
      validatePaths(spec);
      selectObjects(new RenderCache(ctx), spec, spec['reportMissingObjectsInResults'] !== true);
      const id = `session[${ctx.session?.key ?? ''}]${ctx.rt.nextId('filter-')}`;
      c.filters.set(id, { id, collector: c.id, spec, partialUpdates: args['partialUpdates'] === true, reported: new Map() });
      return moref('PropertyFilter', id);
    },
  },
  DestroyPropertyFilter: {
    on: ['PropertyFilter'],
    run: (ctx, self) => {
      for (const c of ctx.rt.collectors.values()) if (c.session === ctx.session?.key && c.filters.delete(self.value)) return undefined;
      throw fault.notFoundObj(self);
    },
  },
  WaitForUpdatesEx: {
    on: ['PropertyCollector'],
    run: (ctx, self, args) => {
      const opts = args['options'] as WireObject | undefined;
      const max = opts?.['maxWaitSeconds'];
      return waitForUpdates(ctx, self, args['version'], typeof max === 'number' ? max : undefined);
    },
  },
  WaitForUpdates: { on: ['PropertyCollector'], run: (ctx, self, args) => waitForUpdates(ctx, self, args['version'], undefined, true) },
  CheckForUpdates: { on: ['PropertyCollector'], run: (ctx, self, args) => waitForUpdates(ctx, self, args['version'], 0) },
  CancelWaitForUpdates: {
    on: ['PropertyCollector'],
    run: (ctx, self) => {
      const c = collectorOf(ctx, self);
      if (c.waiting > 0) {
        c.cancelled = true;
        ctx.rt.changed();
      }
      return undefined;
    },
  },
};
