/**
 * Octavia's provisioning states on the lifecycle engine: a load balancer is `PENDING_CREATE`,
 * `PENDING_UPDATE` or `PENDING_DELETE` while the amphora works and `ACTIVE` (or `ERROR`, when a
 * `fail:` fault rule matched the change) afterwards; its listeners, pools, members and health
 * monitors settle with it. Deleting removes the whole tree and the VIP port.
 */
import type { Engine } from '../../../core/engine.js';
import type { TenantStore } from '../../../core/store.js';
import { OS, type FloatingIpData, type LoadBalancerData, type OctaviaCommon } from '../records.js';

export const CHILD_TYPES = [OS.listener, OS.pool, OS.member, OS.healthMonitor] as const;

/** Every object under a load balancer. */
export function childrenOf(tenant: TenantStore, lbId: string) {
  return CHILD_TYPES.flatMap((type) => [...tenant.collection<OctaviaCommon>(type).all()].filter((r) => r.data.lbId === lbId).map((rec) => ({ type, rec })));
}

export function defineLoadBalancerMachines(engine: Engine): void {
  engine.lifecycle.define<LoadBalancerData>({
    type: OS.loadBalancer,
    auto: { PENDING_CREATE: 'ACTIVE', PENDING_UPDATE: 'ACTIVE', PENDING_DELETE: 'DELETED' },
    onEnter: ({ record, from, to, at, tenant }) => {
      const d = record.data;
      if (from?.startsWith('PENDING_')) d.updated = at;
      if (to === 'DELETED') {
        for (const { type, rec } of childrenOf(tenant, record.id)) tenant.collection(type).delete(rec.id);
        for (const f of tenant.collection<FloatingIpData>(OS.floatingIp).all()) if (f.data.portId === d.vipPortId) Object.assign(f.data, { portId: null, fixedIpAddress: null, routerId: null });
        tenant.collection(OS.port).delete(d.vipPortId);
        tenant.collection(OS.loadBalancer).delete(record.id);
        return;
      }
      if (to === 'ACTIVE' && d.fail) {
        delete d.fail;
        engine.lifecycle.enter(tenant, record, 'ERROR', at);
        return;
      }
      if (to !== 'ACTIVE' && to !== 'ERROR') return;
      d.operatingStatus = to === 'ACTIVE' ? 'ONLINE' : 'ERROR';
      for (const { type, rec } of childrenOf(tenant, record.id)) {
        const c = rec.data;
        if (c.provisioningStatus === 'PENDING_DELETE') tenant.collection(type).delete(rec.id);
        else if (c.provisioningStatus.startsWith('PENDING_')) {
          c.provisioningStatus = to;
          c.operatingStatus = to === 'ERROR' ? 'ERROR' : type === OS.member ? 'NO_MONITOR' : 'ONLINE';
          c.updated = at;
        }
      }
    },
  });
}
