/** ClusterComputeResource (and ComputeResource): hosts, their datastores and networks, the root pool, vSAN config. */
import type { ResourceRecord } from '../../../core/store.js';
import type { ClusterData } from '../inventory.js';
import type { Renderer } from './context.js';
import { entityProps } from './entity.js';

export const renderComputeResource: Renderer = (ctx, id) => {
  const rec = ctx.inv.get(id) as ResourceRecord<ClusterData> | undefined;
  if (!rec || (rec.data.type !== 'ClusterComputeResource' && rec.data.type !== 'ComputeResource')) return undefined;
  const hosts = ctx.inv.hostsOfCluster(id);
  const ds = [...new Set(hosts.flatMap((h) => h.data.datastores))];
  const nets = [...new Set(hosts.flatMap((h) => h.data.networks))];
  const cores = hosts.reduce((n, h) => n + h.data.numCpuCores, 0);
  const mem = hosts.reduce((n, h) => n + h.data.memoryBytes, 0);
  const cluster = rec.data.type === 'ClusterComputeResource';
  const summary = {
    _type: cluster ? 'ClusterComputeResourceSummary' : 'ComputeResourceSummary',
    totalCpu: cores * 2600,
    totalMemory: mem,
    numCpuCores: cores,
    numCpuThreads: cores * 2,
    effectiveCpu: cores * 2400,
    effectiveMemory: Math.floor(mem / 2 ** 20),
    numHosts: hosts.length,
    numEffectiveHosts: hosts.filter((h) => h.data.connectionState === 'connected' && !h.data.inMaintenanceMode).length,
    overallStatus: 'green',
    ...(cluster ? { currentFailoverLevel: 1, numVmotions: 0 } : {}),
  };
  return {
    ...entityProps(ctx, rec),
    resourcePool: ctx.inv.ref(rec.data.resourcePool),
    host: hosts.map((h) => ctx.inv.ref(h.id)),
    datastore: ctx.inv.refs(ds),
    network: ctx.inv.refs(nets),
    summary,
    configurationEx: cluster
      ? {
          _type: 'ClusterConfigInfoEx',
          dasConfig: { _type: 'ClusterDasConfigInfo', enabled: false },
          drsConfig: { _type: 'ClusterDrsConfigInfo', enabled: true, defaultVmBehavior: 'fullyAutomated' },
          vsanConfigInfo: { _type: 'VsanClusterConfigInfo', enabled: rec.data.vsanEnabled },
        }
      : { _type: 'ComputeResourceConfigInfo', vmSwapPlacement: 'vmDirectory' },
  };
};
