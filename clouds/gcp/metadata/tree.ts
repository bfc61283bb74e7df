/**
 * The GCE metadata tree of one instance (`/computeMetadata/v1/…`): leaves are text, directories
 * list their children one per line (subdirectories end in `/`), and `?recursive=true` answers a
 * directory as JSON with camelCased keys and arrays for numbered children, as the server does.
 */
import type { ResourceRecord, TenantStore } from '../../../core/store.js';
import { G, regionOf, subnetworkKey, type GceInstanceData, type ProjectData, type SubnetworkData } from '../records.js';

export type Tree = Map<string, string>;

export function metadataTree(tenant: TenantStore, inst: ResourceRecord<GceInstanceData>): Tree {
  const d = inst.data;
  const project = tenant.id;
  const number = tenant.collection<ProjectData>(G.project).peek(project)?.data.number ?? '0';
  const subnet = tenant.collection<SubnetworkData>(G.subnetwork).peek(subnetworkKey(regionOf(d.zone), d.subnetwork));
  const [base = '10.0.0.0', bits = '24'] = (subnet?.data.ipCidrRange ?? '').split('/');
  const mask = (0xffffffff << (32 - Number(bits))) >>> 0;
  const gw = (base.split('.').reduce((a, o) => a * 256 + Number(o), 0) + 1) >>> 0;
  const ip4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  const mac = `42:01:${d.networkIp.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':')}`;
  const leaves: Record<string, string> = {
    'project/project-id': project,
    'project/numeric-project-id': number,
    'instance/id': d.numericId,
    'instance/name': d.name,
    'instance/hostname': `${d.name}.${d.zone}.c.${project}.internal`,
    'instance/zone': `projects/${number}/zones/${d.zone}`,
    'instance/machine-type': `projects/${number}/machineTypes/${d.machineType}`,
    'instance/cpu-platform': 'Intel Cascade Lake',
    'instance/image': `projects/cos-cloud/global/images/cos-stable`,
    'instance/tags': JSON.stringify(d.tags),
    'instance/network-interfaces/0/ip': d.networkIp,
    'instance/network-interfaces/0/mac': mac,
    'instance/network-interfaces/0/mtu': '1460',
    'instance/network-interfaces/0/network': `projects/${number}/networks/${d.network}`,
    'instance/network-interfaces/0/subnetmask': ip4(mask),
    'instance/network-interfaces/0/gateway': ip4(gw),
    'instance/service-accounts/default/email': d.serviceAccount,
    'instance/service-accounts/default/aliases': 'default',
    'instance/service-accounts/default/scopes': d.scopes.join('\n'),
    [`instance/service-accounts/${d.serviceAccount}/email`]: d.serviceAccount,
    [`instance/service-accounts/${d.serviceAccount}/aliases`]: 'default',
    [`instance/service-accounts/${d.serviceAccount}/scopes`]: d.scopes.join('\n'),
    'universe/universe-domain': 'googleapis.com',
  };
  if (d.externalIp) {
    leaves['instance/network-interfaces/0/access-configs/0/external-ip'] = d.externalIp;
    leaves['instance/network-interfaces/0/access-configs/0/type'] = 'ONE_TO_ONE_NAT';
  }
  for (const [k, v] of Object.entries(d.attributes)) leaves[`instance/attributes/${k}`] = v;

  const tree: Tree = new Map([['', '']]);
  const add = (path: string, value: string | undefined) => {
    if (value !== undefined) tree.set(path, value);
    else if (!tree.has(path)) tree.set(path, '');
    const parts = path.replace(/\/$/, '').split('/');
    for (let i = 0; i < parts.length; i++) {
      const dir = parts.slice(0, i).map((p) => `${p}/`).join('');
      const child = parts[i]! + (i < parts.length - 1 || path.endsWith('/') ? '/' : '');
      const listing = (tree.get(dir) ?? '').split('\n').filter(Boolean);
      if (!listing.includes(child)) tree.set(dir, [...listing, child].join('\n'));
    }
  };
  // Directories that exist even when empty, then every leaf.
  for (const dir of ['project/attributes/', 'instance/attributes/', 'instance/network-interfaces/0/access-configs/']) add(dir, undefined);
  for (const [path, value] of Object.entries(leaves)) add(path, value);
  return tree;
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** A directory as the JSON `?recursive=true` answers. */
export function recursive(tree: Tree, dir: string): unknown {
  const children = (tree.get(dir) ?? '').split('\n').filter(Boolean);
  const numbered = children.length > 0 && children.every((c) => /^\d+\/$/.test(c));
  const values = children.map((c) => {
    const path = `${dir}${c}`;
    return [c.replace(/\/$/, ''), c.endsWith('/') ? recursive(tree, path) : leafJson(path, tree.get(path)!)] as const;
  });
  if (numbered) return values.map(([, v]) => v);
  // Attributes keep their own names; everything else is camelCased.
  const keep = dir.endsWith('attributes/');
  return Object.fromEntries(values.map(([k, v]) => [keep ? k : camel(k), v]));
}

/** A leaf as `?alt=json` answers it: lists (scopes, aliases, tags) as arrays, the rest as strings. */
export function leafJson(path: string, value: string): unknown {
  if (path.endsWith('/scopes') || path.endsWith('/aliases')) return value.split('\n').filter(Boolean);
  if (path === 'instance/tags') return JSON.parse(value) as unknown;
  if (/^(instance\/id|project\/numeric-project-id)$/.test(path)) return new BigNumber(value);
  return value;
}

/** A 64-bit id the server sends as a JSON number: JavaScript numbers would round it. */
class BigNumber {
  constructor(readonly digits: string) {}
  toJSON(): string {
    return `\u0000${this.digits}\u0000`;
  }
}

/** JSON.stringify, with 64-bit ids written as the exact numbers they are. */
export function stringify(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000(\d+)\\u0000"/g, '$1');
}
