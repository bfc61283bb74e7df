/**
 * The in-memory store: tenants (AWS account, GCP project, Azure subscription, OpenStack project,
 * vSphere instance) hold typed collections with an id index, a parent index and a tag index.
 * Tenants never see each other's records; a cloud asks for `store.tenant(cloud, id)`.
 */
import { compactString, compactValue } from './compact.js';
import { IdempotencyLedger, type IdempotencyEntry } from './idempotency.js';
import type { LifecycleState } from './lifecycle-types.js';
import { firstAfter } from './pagination.js';

export interface ResourceRecord<T = unknown> {
  readonly id: string;
  readonly type: string;
  /** Creation order across the whole store: stable sort key and pagination cursor. */
  readonly seq: number;
  /** Virtual ms of creation (stale-read faults hide records younger than their horizon). */
  readonly createdAt: number;
  readonly tenant: string;
  region?: string;
  parent?: string;
  /** Read-only view: change tags through the collection so the tag index stays right. */
  readonly tags: Readonly<Record<string, string>>;
  data: T;
  lc?: LifecycleState;
}

export interface NewRecord<T> {
  id: string;
  region?: string;
  parent?: string;
  tags?: Record<string, string>;
  data: T;
}

export interface ListQuery {
  region?: string;
  parent?: string;
  ids?: readonly string[];
  /** Every key must be present; a value of undefined matches any value. */
  tags?: Readonly<Record<string, string | undefined>>;
  /**
   * Paging, so that a page costs what it holds rather than what the tenant holds: only records
   * created after this sequence number (a page token's cursor), and `where` evaluated during the
   * scan; the scan stops once `limit` records matched. Records scanned count as read.
   */
  afterSeq?: number;
  limit?: number;
  where?: (record: ResourceRecord) => boolean;
}

/**
 * A secondary index a cloud declares for a type: records by a key computed from immutable data
 * (attachments by instance id, say), so lookups need no scan.
 */
export type IndexKey = (record: ResourceRecord) => string | undefined;

/** Hooks core wires in: the lifecycle engine counts reads of resources in `manual` states. */
export interface StoreHooks {
  onRead(record: ResourceRecord): void;
  /** Virtual now, stamped on new records. */
  now(): number;
}

export class Collection<T> {
  private readonly byId = new Map<string, ResourceRecord<T>>();
  /** Records in creation (seq) order, for cursor scans; deleted ones are skipped and compacted lazily. */
  private ordered: ResourceRecord<T>[] = [];
  private dead = 0;
  private readonly byParent = new Map<string, Set<string>>();
  private readonly byTag = new Map<string, Map<string, Set<string>>>();
  private readonly secondary = new Map<string, { key: IndexKey; map: Map<string, Set<string>> }>();

  constructor(
    readonly type: string,
    private readonly tenant: TenantStore,
    private readonly hooks: StoreHooks,
    indexes: ReadonlyMap<string, IndexKey> = new Map(),
  ) {
    for (const [name, key] of indexes) this.secondary.set(name, { key, map: new Map() });
  }

  get size(): number {
    return this.byId.size;
  }

  insert(init: NewRecord<T>): ResourceRecord<T> {
    if (this.byId.has(init.id)) throw new Error(`duplicate ${this.type} id ${init.id}`);
    // Strings flattened and shared, an empty tag set shared: a record costs what it holds (compact.ts).
    const rec: ResourceRecord<T> = {
      id: compactString(init.id),
      type: this.type,
      seq: this.tenant.nextSeq(),
      createdAt: this.hooks.now(),
      tenant: this.tenant.key,
      region: init.region === undefined ? undefined : compactString(init.region),
      parent: init.parent === undefined ? undefined : compactString(init.parent),
      tags: NO_TAGS,
      data: compactValue(init.data),
    };
    this.restore(rec);
    if (init.tags) this.setTags(rec.id, init.tags);
    return rec;
  }

  /** Put back a record exactly as exported (state import). */
  restore(rec: ResourceRecord<T>): void {
    sealData(rec.type, rec.data);
    this.byId.set(rec.id, rec);
    const last = this.ordered[this.ordered.length - 1];
    if (!last || last.seq < rec.seq) this.ordered.push(rec);
    else this.ordered.splice(firstAfter(this.ordered, rec.seq), 0, rec);
    if (rec.parent !== undefined) addTo(this.byParent, rec.parent, rec.id);
    for (const [k, v] of Object.entries(rec.tags)) this.indexTag(k, v, rec.id);
    for (const { key, map } of this.secondary.values()) {
      const k = key(rec);
      if (k !== undefined) addTo(map, k, rec.id);
    }
  }

  /** Records whose declared index `name` has key `key`, in creation order; each counts as read. */
  lookup(name: string, key: string): ResourceRecord<T>[] {
    const index = this.secondary.get(name);
    if (!index) throw new Error(`${this.type} has no index ${name}`);
    const out: ResourceRecord<T>[] = [];
    for (const rec of this.idsToRecords(index.map.get(key))) {
      if (!this.tenant.visible(rec)) continue;
      this.hooks.onRead(rec);
      if (this.byId.has(rec.id)) out.push(rec);
    }
    return out;
  }

  /** Look a record up; counts as a read of the resource (manual lifecycle steps). */
  get(id: string): ResourceRecord<T> | undefined {
    const rec = this.byId.get(id);
    if (!rec || !this.tenant.visible(rec)) return undefined;
    this.hooks.onRead(rec);
    return this.byId.get(id);
  }

  /** Look a record up without counting a read (writes, internal bookkeeping). */
  peek(id: string): ResourceRecord<T> | undefined {
    return this.byId.get(id);
  }

  /** A parent's records without counting reads (internal bookkeeping). */
  peekChildren(parent: string): ResourceRecord<T>[] {
    return this.idsToRecords(this.byParent.get(parent));
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  delete(id: string): boolean {
    const rec = this.byId.get(id);
    if (!rec) return false;
    this.byId.delete(id);
    if (++this.dead > 64 && this.dead > this.ordered.length / 2) {
      this.ordered = this.ordered.filter((r) => this.byId.get(r.id) === r);
      this.dead = 0;
    }
    if (rec.parent !== undefined) removeFrom(this.byParent, rec.parent, id);
    for (const { key, map } of this.secondary.values()) {
      const k = key(rec);
      if (k !== undefined) removeFrom(map, k, id);
    }
    for (const [k, v] of Object.entries(rec.tags)) this.unindexTag(k, v, id);
    return true;
  }

  /** Records in creation order, narrowed by the indexes first. Each returned record counts as read. */
  list(query: ListQuery = {}): ResourceRecord<T>[] {
    let candidates: Iterable<ResourceRecord<T>>;
    if (query.ids) {
      const out: ResourceRecord<T>[] = [];
      for (const id of query.ids) {
        const r = this.byId.get(id);
        if (r) out.push(r);
      }
      candidates = out.sort((a, b) => a.seq - b.seq);
    } else if (query.parent !== undefined) {
      candidates = this.idsToRecords(this.byParent.get(query.parent));
    } else if (query.tags && Object.keys(query.tags).length > 0) {
      candidates = this.idsToRecords(this.narrowByTags(query.tags));
    } else if (query.afterSeq !== undefined || query.limit !== undefined) {
      candidates = this.liveFrom(query.afterSeq ?? 0);
    } else {
      candidates = this.byId.values();
    }
    const after = query.afterSeq ?? 0;
    const limit = query.limit ?? Infinity;
    const result: ResourceRecord<T>[] = [];
    for (const rec of candidates) {
      if (result.length >= limit) break;
      if (rec.seq <= after) continue;
      if (query.region !== undefined && rec.region !== query.region) continue;
      if (query.parent !== undefined && rec.parent !== query.parent) continue;
      if (query.tags && !tagsMatch(rec.tags, query.tags)) continue;
      if (!this.tenant.visible(rec)) continue;
      this.hooks.onRead(rec);
      if (this.byId.has(rec.id) && (!query.where || query.where(rec as ResourceRecord))) result.push(rec);
    }
    return result;
  }

  /** Live records created after `seq`, in creation order, from a binary search (no copy of the collection). */
  private *liveFrom(seq: number): Generator<ResourceRecord<T>> {
    const ordered = this.ordered;
    for (let i = seq === 0 ? 0 : firstAfter(ordered, seq); i < ordered.length; i++) {
      const rec = ordered[i]!;
      if (this.byId.get(rec.id) === rec) yield rec;
    }
  }

  setTags(id: string, tags: Readonly<Record<string, string>>): void {
    const rec = this.byId.get(id);
    if (!rec) throw new Error(`no ${this.type} ${id}`);
    const next: Record<string, string> = { ...rec.tags };
    for (const [k, v] of Object.entries(tags)) {
      const old = next[k];
      if (old !== undefined) this.unindexTag(k, old, id);
      next[k] = v;
      this.indexTag(k, v, id);
    }
    (rec as { tags: Record<string, string> }).tags = next;
  }

  /** Remove tags; with a value given, only when the current value equals it (EC2 DeleteTags semantics). */
  removeTags(id: string, keys: ReadonlyArray<{ key: string; value?: string }>): void {
    const rec = this.byId.get(id);
    if (!rec) throw new Error(`no ${this.type} ${id}`);
    const next: Record<string, string> = { ...rec.tags };
    for (const { key, value } of keys) {
      const old = next[key];
      if (old === undefined || (value !== undefined && value !== old)) continue;
      this.unindexTag(key, old, id);
      delete next[key];
    }
    (rec as { tags: Record<string, string> }).tags = next;
  }

  all(): IterableIterator<ResourceRecord<T>> {
    return this.byId.values();
  }

  private idsToRecords(ids: Set<string> | undefined): ResourceRecord<T>[] {
    if (!ids) return [];
    const out: ResourceRecord<T>[] = [];
    for (const id of ids) {
      const r = this.byId.get(id);
      if (r) out.push(r);
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  private narrowByTags(tags: Readonly<Record<string, string | undefined>>): Set<string> {
    let best: Set<string> | undefined;
    for (const [k, v] of Object.entries(tags)) {
      const values = this.byTag.get(k);
      let ids: Set<string>;
      if (!values) return new Set();
      if (v !== undefined) ids = values.get(v) ?? new Set();
      else {
        ids = new Set();
        for (const s of values.values()) for (const id of s) ids.add(id);
      }
      if (!best || ids.size < best.size) best = ids;
    }
    return best ?? new Set();
  }

  private indexTag(key: string, value: string, id: string): void {
    let values = this.byTag.get(key);
    if (!values) this.byTag.set(key, (values = new Map()));
    addTo(values, value, id);
  }

  private unindexTag(key: string, value: string, id: string): void {
    const values = this.byTag.get(key);
    if (!values) return;
    removeFrom(values, value, id);
    if (values.size === 0) this.byTag.delete(key);
  }
}

export class TenantStore {
  private readonly collections = new Map<string, Collection<unknown>>();
  readonly idempotency = new IdempotencyLedger();
  /** One string for every record of the tenant (a getter building it made one per record). */
  readonly key: string;

  constructor(
    readonly cloud: string,
    readonly id: string,
    private readonly hooks: StoreHooks,
    readonly nextSeq: () => number,
    private readonly indexesFor: (type: string) => ReadonlyMap<string, IndexKey> | undefined = () => undefined,
  ) {
    this.key = compactString(tenantKey(cloud, id));
  }

  /**
   * While set, reads see only records created at or before this virtual instant: a stale-read
   * fault, as an eventually consistent API answers right after a create. Writes (`peek`) see all.
   */
  horizon: number | undefined;

  visible(rec: ResourceRecord): boolean {
    return this.horizon === undefined || rec.createdAt <= this.horizon;
  }

  /** Run a read under a visibility horizon (handlers are synchronous, so nothing interleaves). */
  withHorizon<R>(horizon: number | undefined, read: () => R): R {
    if (horizon === undefined) return read();
    this.horizon = horizon;
    try {
      return read();
    } finally {
      this.horizon = undefined;
    }
  }

  collection<T>(type: string): Collection<T> {
    let c = this.collections.get(type);
    if (!c) {
      c = new Collection<unknown>(type, this, this.hooks, this.indexesFor(type));
      this.collections.set(type, c);
    }
    return c as Collection<T>;
  }

  collectionTypes(): string[] {
    return [...this.collections.keys()];
  }
}

export function tenantKey(cloud: string, id: string): string {
  return `${cloud}:${id}`;
}

export interface StoreSnapshot {
  seq: number;
  tenants: Array<{
    cloud: string;
    id: string;
    records: ResourceRecord[];
    idempotency: IdempotencyEntry[];
  }>;
}

export class Store {
  private readonly tenantMap = new Map<string, TenantStore>();
  private readonly indexes = new Map<string, Map<string, IndexKey>>();
  private seq = 0;

  constructor(private readonly hooks: StoreHooks) {}

  /** Declare a secondary index for a type (before any tenant creates that collection). */
  defineIndex(type: string, name: string, key: IndexKey): void {
    let m = this.indexes.get(type);
    if (!m) this.indexes.set(type, (m = new Map()));
    m.set(name, key);
  }

  tenant(cloud: string, id: string): TenantStore {
    const key = tenantKey(cloud, id);
    let t = this.tenantMap.get(key);
    if (!t) {
      t = new TenantStore(cloud, id, this.hooks, () => ++this.seq, (type) => this.indexes.get(type));
      this.tenantMap.set(key, t);
    }
    return t;
  }

  findTenant(key: string): TenantStore | undefined {
    return this.tenantMap.get(key);
  }

  tenants(): TenantStore[] {
    return [...this.tenantMap.values()];
  }

  /** Drop everything, or one tenant. */
  clear(key?: string): void {
    if (key === undefined) {
      this.tenantMap.clear();
      this.seq = 0;
    } else this.tenantMap.delete(key);
  }

  exportState(): StoreSnapshot {
    return {
      seq: this.seq,
      tenants: this.tenants().map((t) => ({
        cloud: t.cloud,
        id: t.id,
        records: t.collectionTypes().flatMap((type) => [...t.collection(type).all()]),
        idempotency: t.idempotency.exportState(),
      })),
    };
  }

  importState(snapshot: StoreSnapshot): void {
    this.clear();
    this.seq = snapshot.seq;
    for (const t of snapshot.tenants) {
      if (typeof t?.cloud !== 'string' || typeof t.id !== 'string' || !Array.isArray(t.records)) throw new RangeError('store.tenants: each needs cloud, id and records');
      const tenant = this.tenant(t.cloud, t.id);
      for (const rec of t.records) {
        // A hand-edited or truncated document must not plant records the indexes cannot hold.
        if (typeof rec?.id !== 'string' || typeof rec.type !== 'string' || typeof rec.seq !== 'number' || rec.tenant !== tenant.key || typeof rec.tags !== 'object' || rec.tags === null)
          throw new RangeError(`store: a record of ${tenant.key} lacks id, type, seq, tenant or tags`);
        tenant.collection(rec.type).restore(structuredClone(rec));
      }
      tenant.idempotency.importState(t.idempotency ?? []);
    }
  }
}

/**
 * Types whose records' data must never be edited in place (a cloud caching rendered records by
 * `rec.data` identity replaces `rec.data` instead). Their stored data is deep-frozen under vitest
 * (or with FAUXCLOUD_FREEZE_DATA=1), so a leftover in-place edit throws a TypeError in the tests.
 */
const sealedTypes = new Set<string>();
const FREEZE_DATA = process.env.VITEST !== undefined || process.env.FAUXCLOUD_FREEZE_DATA === '1';

export function declareImmutableData(type: string): void {
  sealedTypes.add(type);
}

/** `data`, deep-frozen when its type is declared immutable and freezing is on; call on every data a record of the type gets. */
export function sealData<D>(type: string, data: D): D {
  if (FREEZE_DATA && sealedTypes.has(type)) deepFreeze(data, 0);
  return data;
}

function deepFreeze(value: unknown, depth: number): void {
  if (depth > 16 || value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v, depth + 1);
}

/** The tag set of every record created without tags (setTags replaces it, never mutates it). */
const NO_TAGS: Readonly<Record<string, string>> = Object.freeze({});

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let s = index.get(key);
  if (!s) index.set(key, (s = new Set()));
  s.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const s = index.get(key);
  if (!s) return;
  s.delete(id);
  if (s.size === 0) index.delete(key);
}

function tagsMatch(have: Readonly<Record<string, string>>, want: Readonly<Record<string, string | undefined>>): boolean {
  for (const [k, v] of Object.entries(want)) {
    const actual = have[k];
    if (actual === undefined || (v !== undefined && actual !== v)) return false;
  }
  return true;
}
