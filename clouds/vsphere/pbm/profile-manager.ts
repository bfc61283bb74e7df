/**
 * Storage Policy Based Management on /pbm (and /pbm/sdk): the service content, storage profiles
 * ("vSAN Default Storage Policy" and those `seed.vsphere.storagePolicies` declares), their content,
 * and placement: which datastores a policy's requirements are met by (its datastore types and
 * names), as PbmCheckCompatibility, PbmCheckRequirements and PbmQueryMatchingHub answer.
 */
import type { ResourceRecord } from '../../../core/store.js';
import type { DatastoreData, Inventory } from '../inventory.js';
import type { WireObject } from '../wire/codec.js';
import { localized, moref, VimFault } from '../faults.js';
import type { MethodTable, MoContext } from '../mo/context.js';

export const PBM_PROFILE = 'vsphere.pbmProfile';

export interface PolicyData {
  name: string;
  description: string;
  /** Datastore types (`vsan`, `VMFS`, `NFS`) the policy can be met by; empty = any. */
  datastoreTypes: string[];
  /** Datastore names it is limited to; empty = any. */
  datastores: string[];
  isDefault: boolean;
  createdAt: number;
}

/** The objects PBM's own endpoint names (ids collide with vim25's, so they are looked up here first). */
export const PBM_OBJECTS: Record<string, string> = {
  ServiceInstance: 'PbmServiceInstance',
  ProfileManager: 'PbmProfileProfileManager',
  PlacementSolver: 'PbmPlacementSolver',
  ComplianceManager: 'PbmComplianceManager',
  SessionManager: 'PbmSessionManager',
  CapabilityMetadataManager: 'PbmCapabilityMetadataManager',
};

export function policies(inv: Inventory) {
  return inv.tenant.collection<PolicyData>(PBM_PROFILE);
}

export function ensurePolicy(inv: Inventory, p: { name: string; description?: string; datastoreTypes?: string[]; datastores?: string[]; isDefault?: boolean }): void {
  const col = policies(inv);
  const found = [...col.all()].find((r) => r.data.name === p.name);
  const data: PolicyData = { name: p.name, description: p.description ?? '', datastoreTypes: p.datastoreTypes ?? [], datastores: p.datastores ?? [], isDefault: p.isDefault ?? false, createdAt: inv.engine.clock.now() };
  if (found) found.data = { ...data, createdAt: found.data.createdAt };
  else col.insert({ id: inv.engine.ids.uuid('vsphere:pbm'), data });
}

function profileJson(r: ResourceRecord<PolicyData>): WireObject {
  const t = new Date(r.data.createdAt);
  return {
    _type: 'pbm:PbmCapabilityProfile',
    profileId: { _type: 'pbm:PbmProfileId', uniqueId: r.id },
    name: r.data.name,
    description: r.data.description,
    creationTime: t,
    createdBy: 'Temporary user handle',
    lastUpdatedTime: t,
    lastUpdatedBy: 'Temporary user handle',
    profileCategory: 'REQUIREMENT',
    resourceType: { _type: 'pbm:PbmProfileResourceType', resourceType: 'STORAGE' },
    constraints: { _type: 'pbm:PbmCapabilitySubProfileConstraints', subProfiles: [] },
    generationId: 0,
    isDefault: r.data.isDefault,
    systemCreatedProfileType: r.data.isDefault ? 'VsanDefaultProfile' : undefined,
    k8sCompliantName: r.data.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, ''),
  };
}

function matches(p: PolicyData, ds: ResourceRecord<DatastoreData>): boolean {
  return (p.datastoreTypes.length === 0 || p.datastoreTypes.includes(ds.data.dsType)) && (p.datastores.length === 0 || p.datastores.includes(ds.data.name));
}

function needPolicy(ctx: MoContext, args: WireObject): ResourceRecord<PolicyData> {
  const id = String(((args['profile'] as WireObject | undefined)?.['uniqueId']) ?? '');
  const r = policies(ctx.inv).get(id);
  if (!r) throw new VimFault({ _type: 'InvalidArgument', invalidProperty: 'profile' }, `A specified parameter was not correct: profile ${id}`);
  return r;
}

/** The hubs asked about (every datastore when none are named). */
function hubs(ctx: MoContext, args: WireObject): Array<{ hub: WireObject; ds?: ResourceRecord<DatastoreData> }> {
  const given = (args['hubsToSearch'] as WireObject[] | undefined) ?? [];
  const list = given.length > 0 ? given : (ctx.inv.all('Datastore') as ResourceRecord<DatastoreData>[]).map((d) => ({ _type: 'pbm:PbmPlacementHub', hubType: 'Datastore', hubId: d.id }));
  return list.map((h) => {
    const ds = h['hubType'] === 'Datastore' ? (ctx.inv.peek(String(h['hubId'])) as ResourceRecord<DatastoreData> | undefined) : undefined;
    return { hub: { _type: 'pbm:PbmPlacementHub', hubType: h['hubType'], hubId: h['hubId'] }, ds: ds?.data.type === 'Datastore' ? ds : undefined };
  });
}

function compatibility(ctx: MoContext, args: WireObject, p: PolicyData | undefined): WireObject[] {
  return hubs(ctx, args).map(({ hub, ds }) => {
    const ok = ds !== undefined && ds.data.accessible && (!p || matches(p, ds));
    const why = !ds ? 'The hub is not a known datastore.' : !ds.data.accessible ? `Datastore ${ds.data.name} is not accessible.` : `Datastore ${ds.data.name} does not satisfy the storage policy requirements.`;
    return { _type: 'pbm:PbmPlacementCompatibilityResult', hub, error: ok ? [] : [localized(new VimFault({ _type: 'NotSupported' }, why))] };
  });
}

export const PBM_METHODS: MethodTable = {
  PbmRetrieveServiceContent: {
    on: ['PbmServiceInstance'],
    run: () => ({
      _type: 'pbm:PbmServiceInstanceContent',
      aboutInfo: { _type: 'pbm:PbmAboutInfo', name: 'PBM', version: '8.0.3.0', instanceUuid: 'f4c1b3a0-0f5a-4b7e-9a3e-fa0c10ad0002' },
      sessionManager: moref('PbmSessionManager', 'SessionManager'),
      capabilityMetadataManager: moref('PbmCapabilityMetadataManager', 'CapabilityMetadataManager'),
      profileManager: moref('PbmProfileProfileManager', 'ProfileManager'),
      complianceManager: moref('PbmComplianceManager', 'ComplianceManager'),
      placementSolver: moref('PbmPlacementSolver', 'PlacementSolver'),
    }),
  },
  PbmQueryProfile: {
    on: ['PbmProfileProfileManager'],
    run: (ctx, _self, args) => {
      const rt = String(((args['resourceType'] as WireObject | undefined)?.['resourceType']) ?? 'STORAGE');
      const cat = args['profileCategory'] as string | undefined;
      if (rt !== 'STORAGE' || (cat !== undefined && cat !== 'REQUIREMENT')) return [];
      return [...policies(ctx.inv).all()].map((r) => ({ _type: 'pbm:PbmProfileId', uniqueId: r.id }));
    },
  },
  PbmRetrieveContent: {
    on: ['PbmProfileProfileManager'],
    run: (ctx, _self, args) =>
      ((args['profileIds'] as WireObject[] | undefined) ?? []).map((p) => {
        const r = policies(ctx.inv).get(String(p['uniqueId']));
        if (!r) throw new VimFault({ _type: 'InvalidArgument', invalidProperty: 'profileIds' }, `Profile not found. Id: ${String(p['uniqueId'])}`);
        return profileJson(r);
      }),
  },
  PbmCheckCompatibility: { on: ['PbmPlacementSolver'], run: (ctx, _self, args) => compatibility(ctx, args, needPolicy(ctx, args).data) },
  PbmCheckRequirements: { on: ['PbmPlacementSolver'], run: (ctx, _self, args) => compatibility(ctx, args, undefined) },
  PbmQueryMatchingHub: {
    on: ['PbmPlacementSolver'],
    run: (ctx, _self, args) => {
      const p = needPolicy(ctx, args).data;
      return hubs(ctx, args)
        .filter(({ ds }) => ds !== undefined && ds.data.accessible && matches(p, ds))
        .map(({ hub }) => hub);
    },
  },
};

