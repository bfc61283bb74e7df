/** Nova flavors (cloud-wide): list, detail, get by id; OCCM reads `name` for the instance-type label. */
import type { ResourceRecord } from '../../../core/store.js';
import { OS, type FlavorData } from '../records.js';
import type { Handler, OsContext } from '../shared/context.js';
import { atLeast } from '../shared/microversion.js';
import { nextLinks, paginate } from '../shared/paging.js';
import { badRequest, notFound, ok } from '../shared/wire.js';

function links(c: OsContext, id: string) {
  const href = `${c.endpoint('compute')}/flavors/${id}`;
  return [{ rel: 'self', href }, { rel: 'bookmark', href }];
}

function render(c: OsContext, f: ResourceRecord<FlavorData>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: f.id, name: f.data.name, ram: f.data.ram, disk: f.data.disk, vcpus: f.data.vcpus, swap: f.data.swap || '', 'OS-FLV-EXT-DATA:ephemeral': f.data.ephemeral,
    'OS-FLV-DISABLED:disabled': false, 'os-flavor-access:is_public': true, rxtx_factor: 1.0, links: links(c, f.id),
  };
  if (atLeast(c.version, 2, 55)) out['description'] = null;
  if (atLeast(c.version, 2, 61)) out['extra_specs'] = f.data.extraSpecs;
  return out;
}

function list(c: OsContext, detail: boolean) {
  const all = c.cloud.collection<FlavorData>(OS.flavor).list();
  const page = paginate(c.req, all, { notFound: (m) => badRequest(`marker [${m}] not found`) });
  const body: Record<string, unknown> = { flavors: page.items.map((f) => (detail ? render(c, f) : { id: f.id, name: f.data.name, links: links(c, f.id) })) };
  if (page.next) body['flavors_links'] = nextLinks(page.next);
  return ok(body);
}

export const flavorHandlers = {
  list: ((c) => list(c, false)) as Handler,
  detail: ((c) => list(c, true)) as Handler,
  get: ((c) => {
    const f = c.cloud.collection<FlavorData>(OS.flavor).get(c.params['flavor_id']!);
    if (!f) throw notFound(`Flavor ${c.params['flavor_id']} could not be found.`);
    return ok({ flavor: render(c, f) });
  }) as Handler,
};
