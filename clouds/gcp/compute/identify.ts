/**
 * Which Compute Engine method a request calls, from the discovery model's paths: what the journal
 * and fault rules need before the handlers run. Kept apart from service.ts so that the handlers
 * load on Compute's first request rather than at start-up (issue #16).
 */
import type { RoutedCall, WireRequest } from '../../../core/cloud-api.js';
import { computeModel, type Route } from './model.js';
import { regionOf } from '../records.js';

export const COMPUTE_PREFIX = /^\/compute\/(v1|beta|alpha|staging_v1)\/(.*)$/;

export interface ComputeRouted extends RoutedCall {
  kind: 'compute';
  version: string;
  route?: Route;
  params: Record<string, string>;
}

/** Identify a Compute path; the operation is Google's method id without `compute.` (`disks.insert`). */
export function identifyCompute(req: WireRequest): ComputeRouted | undefined {
  const m = COMPUTE_PREFIX.exec(req.path);
  if (!m) return undefined;
  const segments = m[2]!.split('/');
  const found = computeModel().match(req.method, segments);
  const params = found?.params ?? {};
  const zone = params['zone'];
  return {
    kind: 'compute',
    service: 'compute',
    operation: found?.route.operation ?? 'unknown',
    version: m[1]!,
    route: found?.route,
    params,
    tenant: params['project'] ?? (/^projects\/([^/]+)/.exec(m[2]!)?.[1]),
    region: params['region'] ?? (zone ? regionOf(zone) : undefined),
  };
}
