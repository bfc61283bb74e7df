/** Store indexes, filters and pagination, independent of any cloud. */
import { describe, expect, it } from 'vitest';
import { CoreInputError } from '../../core/errors.js';
import { compileFilters } from '../../core/filters.js';
import { cursorOf, paginate } from '../../core/pagination.js';
import { Store } from '../../core/store.js';

const store = () => new Store({ onRead: () => undefined, now: () => 0 });

describe('store', () => {
  it('indexes by parent and tags, and keeps the tag index right through updates', () => {
    const c = store().tenant('x', '1').collection<{ n: number }>('x.thing');
    c.insert({ id: 'a', parent: 'p1', tags: { team: 'red', env: 'ci' }, data: { n: 1 } });
    c.insert({ id: 'b', parent: 'p1', tags: { team: 'blue' }, data: { n: 2 } });
    c.insert({ id: 'c', parent: 'p2', tags: { team: 'red' }, data: { n: 3 } });
    expect(c.list({ parent: 'p1' }).map((r) => r.id)).toEqual(['a', 'b']);
    expect(c.list({ tags: { team: 'red' } }).map((r) => r.id)).toEqual(['a', 'c']);
    expect(c.list({ tags: { env: undefined } }).map((r) => r.id)).toEqual(['a']);
    c.setTags('c', { team: 'blue' });
    expect(c.list({ tags: { team: 'red' } }).map((r) => r.id)).toEqual(['a']);
    c.removeTags('a', [{ key: 'team', value: 'green' }, { key: 'env' }]);
    expect(c.peek('a')!.tags).toEqual({ team: 'red' });
    c.delete('a');
    expect(c.list({ tags: { team: 'red' } })).toEqual([]);
    expect(c.list({ parent: 'p1' }).map((r) => r.id)).toEqual(['b']);
  });

  it('keeps declared secondary indexes right through inserts, deletes and imports', () => {
    const s = store();
    s.defineIndex('x.att', 'node', (r) => (r.data as { node: string }).node);
    const c = s.tenant('x', '1').collection<{ node: string }>('x.att');
    c.insert({ id: 'a1', data: { node: 'n1' } });
    c.insert({ id: 'a2', data: { node: 'n2' } });
    c.insert({ id: 'a3', data: { node: 'n1' } });
    expect(c.lookup('node', 'n1').map((r) => r.id)).toEqual(['a1', 'a3']);
    c.delete('a1');
    expect(c.lookup('node', 'n1').map((r) => r.id)).toEqual(['a3']);
    const snapshot = s.exportState();
    s.importState(snapshot);
    expect(s.tenant('x', '1').collection('x.att').lookup('node', 'n2').map((r) => r.id)).toEqual(['a2']);
    expect(() => c.lookup('nope', 'x')).toThrow(/no index/);
  });

  it('keeps tenants apart', () => {
    const s = store();
    s.tenant('aws', '1').collection('t').insert({ id: 'same', data: 1 });
    s.tenant('aws', '2').collection('t').insert({ id: 'same', data: 2 });
    expect(s.tenant('aws', '1').collection('t').peek('same')!.data).toBe(1);
    s.clear('aws:1');
    expect(s.tenant('aws', '1').collection('t').size).toBe(0);
    expect(s.tenant('aws', '2').collection('t').size).toBe(1);
  });
});

describe('filters', () => {
  const c = store().tenant('x', '1').collection<{ size: number; zone: string }>('x.vol');
  const recs = [
    c.insert({ id: 'v1', tags: { Name: 'web-1' }, data: { size: 1, zone: 'a' } }),
    c.insert({ id: 'v2', tags: { Name: 'db-1' }, data: { size: 2, zone: 'b' } }),
    c.insert({ id: 'v3', tags: { Name: 'web*' }, data: { size: 2, zone: 'a' } }),
  ];
  const spec = { tags: true, fields: { size: (r: (typeof recs)[number]) => r.data.size, zone: (r: (typeof recs)[number]) => r.data.zone } };
  const ids = (filters: Array<{ name: string; values: string[] }>) => recs.filter(compileFilters(filters, spec)).map((r) => r.id);

  it('ANDs filters and ORs values, with wildcards and escapes', () => {
    expect(ids([{ name: 'zone', values: ['a'] }, { name: 'size', values: ['1', '2'] }])).toEqual(['v1', 'v3']);
    expect(ids([{ name: 'tag:Name', values: ['web-?'] }])).toEqual(['v1']);
    expect(ids([{ name: 'tag:Name', values: ['web*'] }])).toEqual(['v1', 'v3']);
    expect(ids([{ name: 'tag:Name', values: ['web\\*'] }])).toEqual(['v3']);
    expect(ids([{ name: 'tag-key', values: ['Name'] }])).toHaveLength(3);
  });

  it('rejects unknown filter names', () => {
    expect(() => ids([{ name: 'colour', values: ['x'] }])).toThrow(CoreInputError);
  });
});

describe('pagination', () => {
  const items = Array.from({ length: 7 }, (_, i) => ({ seq: i + 1 }));
  it('walks pages and survives deletions between pages', () => {
    const p1 = paginate(items, { maxResults: 3, query: 'q' });
    expect(p1.items.map((i) => i.seq)).toEqual([1, 2, 3]);
    const shrunk = items.filter((i) => i.seq !== 4);
    const p2 = paginate(shrunk, { maxResults: 3, token: p1.nextToken, query: 'q' });
    expect(p2.items.map((i) => i.seq)).toEqual([5, 6, 7]);
    expect(p2.nextToken).toBeUndefined();
  });
  it('rejects a token used with another query, or forged', () => {
    const p1 = paginate(items, { maxResults: 3, query: 'q' });
    expect(() => paginate(items, { maxResults: 3, token: p1.nextToken, query: 'other' })).toThrow(CoreInputError);
    expect(() => paginate(items, { token: 'garbage', query: 'q' })).toThrow(CoreInputError);
  });
});

describe('paging from the store (a page costs what it holds)', () => {
  it('walks a page window from the token cursor and answers the pages and tokens a full scan would', () => {
    const c = store().tenant('x', '1').collection<{ n: number }>('x.vol');
    for (let n = 0; n < 300; n++) c.insert({ id: `v${n}`, region: n % 3 === 0 ? 'r1' : 'r2', data: { n } });
    for (let n = 0; n < 300; n += 7) c.delete(`v${n}`);
    const where = (r: { data: unknown }) => (r.data as { n: number }).n % 2 === 0;
    const full: string[] = [];
    const windowed: string[] = [];
    for (const walk of [full, windowed]) {
      let token: string | undefined;
      do {
        const opts = { maxResults: 10, token, query: 'q' };
        const rows = walk === full
          ? c.list({ region: 'r2' }).filter(where)
          : c.list({ region: 'r2', afterSeq: cursorOf(opts), limit: 11, where });
        const page = paginate(rows, opts);
        walk.push(...page.items.map((r) => r.id), `| ${page.nextToken ?? 'end'}`);
        token = page.nextToken;
      } while (token);
    }
    expect(windowed).toEqual(full);
    expect(full.filter((x) => !x.startsWith('|'))).toHaveLength(c.list({ region: 'r2' }).filter(where).length);
  });

  it('stores records compactly without changing what callers see or hold', () => {
    const c = store().tenant('x', '1').collection<{ link: string; nested: { zone: string }; at: Date }>('x.disk');
    const data = { link: ['compute://projects/p/zones/', 'z-a', '/disks/d'].join(''), nested: { zone: `zones/${'z'}-a` }, at: new Date(0) };
    const rec = c.insert({ id: `zones/z-a/disks/${'d'}`, data });
    expect(rec.data).toBe(data);
    expect(rec.data).toEqual({ link: 'compute://projects/p/zones/z-a/disks/d', nested: { zone: 'zones/z-a' }, at: new Date(0) });
    expect(rec.tags).toEqual({});
    c.setTags(rec.id, { a: 'b' });
    expect(c.peek(rec.id)!.tags).toEqual({ a: 'b' });
    expect(c.insert({ id: 'other', data }).tags).toEqual({});
  });
});
