/**
 * ARM answers go through renderers compiled once per shape (arm/render.ts) instead of the walk of
 * shapes.ts's `render`: the JSON must be the very same, for every resource the seeded world holds
 * (VMs, disks, NICs, load balancers, scale sets...), decorated as a GET answers it, and for the
 * corner cases of the walk (unknown and null fields, nulls in arrays and maps, `__proto__` keys).
 */
import { describe, expect, it } from 'vitest';
import { armType, renderResource } from '../../clouds/azure/arm/resources.js';
import { renderer } from '../../clouds/azure/arm/render.js';
import { computeShape, networkShape, render } from '../../clouds/azure/arm/shapes.js';
import type { RunningServer } from '../../core/server.js';
import { useFauxcloud } from '../helpers/fauxcloud.js';
import { rgPath } from '../helpers/azure.js';

let server: RunningServer;
useFauxcloud((s) => {
  server = s;
});

const compiledJson = (shape: Parameters<typeof render>[0], value: unknown) => JSON.stringify(renderer(shape)(value));
const walkedJson = (shape: Parameters<typeof render>[0], value: unknown) => JSON.stringify(render(shape, value));

describe('compiled ARM renderers answer what the walk answers', () => {
  it('over every ARM resource of the seeded world and the disks a CSI driver makes', async () => {
    for (const name of ['render-a', 'render-b']) {
      const r = await fetch(`${server.httpUrl}${rgPath}/providers/Microsoft.Compute/disks/${name}?api-version=2025-01-02`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
        body: JSON.stringify({ location: 'eastus', zones: ['1'], tags: { k: 'v', empty: '' }, sku: { name: 'Premium_LRS' }, properties: { creationData: { createOption: 'Empty' }, diskSizeGB: 10 } }),
      });
      expect(r.status).toBeLessThan(300);
      await r.arrayBuffer();
    }
    let compared = 0;
    for (const tenant of server.engine.store.tenants()) {
      if (tenant.cloud !== 'azure') continue;
      for (const type of tenant.collectionTypes()) {
        const [namespace, ...types] = type.replace(/^azure\./, '').split('/');
        const t = armType(namespace!, types);
        if (!t) continue;
        for (const rec of tenant.collection<Record<string, unknown>>(type).all()) {
          expect(compiledJson(t.shape(), rec.data), rec.id).toBe(walkedJson(t.shape(), rec.data));
          // As a GET renders it (decorate adds instance views and the like).
          const call = { engine: server.engine, tenant, req: { query: new URLSearchParams(), headers: {}, path: '', method: 'GET' } } as unknown as Parameters<typeof renderResource>[0];
          const decorated = t.decorate ? t.decorate(call, rec) : rec.data;
          expect(JSON.stringify(renderResource(call, t, rec)), rec.id).toBe(walkedJson(t.shape(), decorated));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10);
  });

  it('over the corner cases of the walk', () => {
    const disk = computeShape('disk', 'computeDisk');
    const nic = networkShape('NetworkInterface');
    const tags = JSON.parse('{"__proto__": "x", "a": null, "b": "c"}') as unknown;
    const cases: Array<[typeof disk, unknown]> = [
      [disk, null],
      [disk, undefined],
      [disk, []],
      [disk, 'text'],
      [disk, { name: 'd', unknown: 1, tags, zones: ['1', null, undefined], properties: { diskSizeGB: null, creationData: { createOption: 'Empty', extra: true } } }],
      [disk, JSON.parse('{"__proto__": {"name": "x"}, "name": "y"}')],
      [nic, { name: 'n', properties: { ipConfigurations: [{ name: 'ip', properties: { subnet: { id: 's', properties: { ipConfigurations: [null, { id: 'deep' }] } } } }, null] } }],
    ];
    for (const [shape, value] of cases) expect(compiledJson(shape, value)).toBe(walkedJson(shape, value));
  });
});
