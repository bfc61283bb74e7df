/**
 * Compute answers are serialised by answerJson (links rendered, empty repeated fields dropped,
 * then one native JSON.stringify) instead of JSON.stringify with a replacer: the text must be the
 * very same, over everything the store holds after a PD CSI style flow and over the corner cases
 * of JSON.stringify (arrays of empties, undefined, toJSON, `__proto__` keys).
 */
import { describe, expect, it } from 'vitest';
import { answerJson, linkReplacer } from '../../clouds/gcp/compute/wire-json.js';
import type { RunningServer } from '../../core/server.js';
import { useFauxcloud } from '../helpers/fauxcloud.js';
import { computeClients, PROJECT, ZONE } from '../helpers/gcp.js';

let server: RunningServer;
let c: ReturnType<typeof computeClients>;
useFauxcloud((s) => {
  server = s;
  c = computeClients(s);
});

const BASE = 'https://127.0.0.1:8443/compute/beta/';
const same = (value: unknown) => expect(answerJson(value, BASE)).toBe(JSON.stringify(value, linkReplacer(BASE)));

describe('answerJson is JSON.stringify with the link replacer', () => {
  it('over every record the store holds after disks are made, attached and listed', async () => {
    for (const name of ['wire-a', 'wire-b']) {
      const [op] = await c.disks.insert({ project: PROJECT, zone: ZONE, diskResource: { name, sizeGb: 10, labels: { k: 'v' } } });
      await c.wait(op);
    }
    const [attach] = await c.instances.attachDisk({ project: PROJECT, zone: ZONE, instance: 'node-a', attachedDiskResource: { source: `projects/${PROJECT}/zones/${ZONE}/disks/wire-a` } });
    await c.wait(attach);
    const [list] = await c.disks.list({ project: PROJECT, zone: ZONE });
    expect(list.map((d) => d.name)).toEqual(expect.arrayContaining(['wire-a', 'wire-b']));

    const state = server.engine.exportState();
    same(state);
    let records = 0;
    for (const tenant of server.engine.store.tenants())
      for (const type of tenant.collectionTypes())
        for (const rec of tenant.collection(type).all()) {
          same(rec.data);
          same({ kind: 'compute#list', items: [rec.data, { ...(rec.data as object), status: 'READY' }], selfLink: 'compute://projects/p/zones/z/disks' });
          records++;
        }
    expect(records).toBeGreaterThan(20);
  });

  it('over the corner cases of JSON.stringify', () => {
    const proto = JSON.parse('{"__proto__": "compute://projects/p/global/networks/n", "a": []}') as unknown;
    const cases: unknown[] = [
      undefined,
      null,
      'compute://projects/p/zones/z',
      'xcompute://projects/p',
      [],
      [[], [[]], [null, undefined, () => 1, 'compute://a'], { a: [] }],
      { a: undefined, b: [], c: { d: [], e: 'compute://projects/p/zones/z/disks/d' }, f: () => 1, g: [undefined], h: NaN, i: -0, j: 'x"\\\n\u2028' },
      { t: new Date(0), n: { toJSON: () => 'compute://projects/p/global/images/i' }, m: { toJSON: (k: string) => [k] }, e: { toJSON: () => [] } },
      proto,
      { nested: proto, list: [proto, proto] },
      Object.assign(Object.create({ inherited: 'compute://no' }) as object, { own: 'compute://yes' }),
    ];
    for (const v of cases) same(v);
  });
});
