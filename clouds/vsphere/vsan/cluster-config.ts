/**
 * vSAN's cluster configuration system on /vsanHealth: VsanClusterGetConfig tells the vSphere CSI
 * driver whether a cluster runs vSAN and its file service (the precondition for file volumes).
 */
import type { ResourceRecord } from '../../../core/store.js';
import type { ClusterData } from '../inventory.js';
import { fault, type MoRef } from '../faults.js';
import type { MethodTable } from '../mo/context.js';

export const VSAN_METHODS: MethodTable = {
  VsanClusterGetConfig: {
    on: ['VsanVcClusterConfigSystem'],
    run: (ctx, _self, args) => {
      const ref = args['cluster'] as MoRef | undefined;
      const cl = ref ? (ctx.inv.peek(ref.value) as ResourceRecord<ClusterData> | undefined) : undefined;
      if (!ref || !cl || cl.data.type !== 'ClusterComputeResource') throw fault.notFoundObj(ref ?? { type: 'ClusterComputeResource', value: '' });
      return {
        _type: 'vsan:VsanConfigInfoEx',
        enabled: cl.data.vsanEnabled,
        defaultConfig: { _type: 'VsanClusterConfigInfoHostDefaultInfo', uuid: cl.id.replace(/\D/g, '').padStart(8, '0') + '-0000-0000-0000-000000000000', autoClaimStorage: false },
        vsanEsaEnabled: false,
        fileServiceConfig: { _type: 'vsan:VsanFileServiceConfig', enabled: cl.data.vsanEnabled && cl.data.fileServiceEnabled, domains: [] },
      };
    },
  },
};
