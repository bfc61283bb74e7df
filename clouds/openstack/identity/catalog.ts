/**
 * The Keystone service catalog: every service in every region, one endpoint per interface
 * (public, internal, admin), all on the caller's origin. URLs carry a version segment where
 * OpenStack's do (`/compute/v2.1`, `/volume/v3/{project}`), so gophercloud takes the version from
 * the URL; Neutron, Octavia and Barbican are versionless and answer their root with a version list.
 */
import { createHash } from 'node:crypto';
import type { TenantStore } from '../../../core/store.js';
import { OS, type RegionData } from '../records.js';

export type EndpointService = 'identity' | 'compute' | 'volume' | 'network' | 'load-balancer' | 'key-manager';

interface CatalogService {
  type: string;
  name: string;
  path: EndpointService;
  suffix: (project: string | undefined) => string;
}

const SERVICES: readonly CatalogService[] = [
  { type: 'identity', name: 'keystone', path: 'identity', suffix: () => '' },
  { type: 'compute', name: 'nova', path: 'compute', suffix: () => '/v2.1' },
  // Cinder is listed under its current type and its historical alias, as devstack does.
  { type: 'block-storage', name: 'cinder', path: 'volume', suffix: (p) => (p ? `/v3/${p}` : '/v3') },
  { type: 'volumev3', name: 'cinderv3', path: 'volume', suffix: (p) => (p ? `/v3/${p}` : '/v3') },
  { type: 'network', name: 'neutron', path: 'network', suffix: () => '' },
  { type: 'load-balancer', name: 'octavia', path: 'load-balancer', suffix: () => '' },
  { type: 'key-manager', name: 'barbican', path: 'key-manager', suffix: () => '' },
];

const INTERFACES = ['public', 'internal', 'admin'] as const;

/** The path prefix of a region's endpoints: the first region at `/openstack`, others under `/openstack/regions/<name>`. */
export function regionPrefix(cloud: TenantStore, region: string): string {
  const first = cloud.collection<RegionData>(OS.region).all().next().value;
  return !first || first.id === region ? '/openstack' : `/openstack/regions/${encodeURIComponent(region)}`;
}

export function endpointUrl(origin: string, cloud: TenantStore, region: string, service: EndpointService, project?: string): string {
  const s = SERVICES.find((x) => x.path === service)!;
  return `${origin}${regionPrefix(cloud, region)}/${service}${s.suffix(project)}`;
}

export const stableId = (...parts: string[]): string => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);

export function catalog(origin: string, cloud: TenantStore, project: string | undefined): unknown[] {
  const regions = [...cloud.collection<RegionData>(OS.region).all()];
  return SERVICES.map((s) => ({
    id: stableId('service', s.type),
    type: s.type,
    name: s.name,
    endpoints: regions.flatMap((r) =>
      INTERFACES.map((iface) => ({
        id: stableId('endpoint', s.type, r.id, iface),
        interface: iface,
        region: r.id,
        region_id: r.id,
        url: endpointUrl(origin, cloud, r.id, s.path, project),
      })),
    ),
  }));
}
