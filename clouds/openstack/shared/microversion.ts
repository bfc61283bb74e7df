/**
 * Microversions as Nova and Cinder negotiate them: the caller names one in
 * `OpenStack-API-Version: <service> X.Y` (or Nova's legacy `X-OpenStack-Nova-API-Version`);
 * none means the minimum, `latest` the maximum, anything outside the range is 406. The answer
 * echoes the version it was rendered at.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { CloudError } from '../../../core/errors.js';

export interface Version {
  major: number;
  minor: number;
}

export interface VersionRange {
  /** The service name in `OpenStack-API-Version` (`compute`, `volume`). */
  service: string;
  legacyHeader?: string;
  min: Version;
  max: Version;
}

export const NOVA: VersionRange = { service: 'compute', legacyHeader: 'x-openstack-nova-api-version', min: { major: 2, minor: 1 }, max: { major: 2, minor: 96 } };
export const CINDER: VersionRange = { service: 'volume', legacyHeader: 'x-openstack-volume-api-version', min: { major: 3, minor: 0 }, max: { major: 3, minor: 71 } };

export const fmt = (v: Version): string => `${v.major}.${v.minor}`;
export const atLeast = (v: Version, major: number, minor: number): boolean => v.major > major || (v.major === major && v.minor >= minor);

export function negotiate(headers: IncomingHttpHeaders, range: VersionRange): Version {
  let wanted: string | undefined;
  const modern = headers['openstack-api-version'];
  for (const h of (Array.isArray(modern) ? modern : modern ? [modern] : []).flatMap((x) => x.split(','))) {
    const [svc, ver] = h.trim().split(/\s+/);
    if (svc?.toLowerCase() === range.service && ver) wanted = ver;
  }
  if (wanted === undefined && range.legacyHeader) {
    const legacy = headers[range.legacyHeader];
    if (typeof legacy === 'string' && legacy.trim() !== '') wanted = legacy.trim();
  }
  if (wanted === undefined) return range.min;
  if (wanted.toLowerCase() === 'latest') return range.max;
  const m = /^(\d+)\.(\d+)$/.exec(wanted);
  if (!m) throw new CloudError('notAcceptable', 400, `Invalid API version request string ${wanted}. It must be of the form MAJOR.MINOR (or 'latest').`);
  const v = { major: Number(m[1]), minor: Number(m[2]) };
  const below = v.major < range.min.major || (v.major === range.min.major && v.minor < range.min.minor);
  const above = v.major > range.max.major || (v.major === range.max.major && v.minor > range.max.minor);
  if (below || above) throw new CloudError('notAcceptable', 406, `Version ${wanted} is not supported by the API. Minimum is ${fmt(range.min)} and maximum is ${fmt(range.max)}.`);
  return v;
}

/** The headers an answer carries at version `v`. */
export function versionHeaders(range: VersionRange, v: Version): Record<string, string> {
  const h: Record<string, string> = { 'openstack-api-version': `${range.service} ${fmt(v)}`, vary: 'OpenStack-API-Version' };
  if (range.service === 'compute') {
    h['x-openstack-nova-api-version'] = fmt(v);
    h['vary'] = 'OpenStack-API-Version, X-OpenStack-Nova-API-Version';
  }
  return h;
}
