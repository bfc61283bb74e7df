/**
 * AuthorizationManager's privilege checks, as the vSphere CSI driver asks them before it uses a
 * datastore. fauxcloud has no roles: a seeded user holds every privilege on every entity
 * (vCenter's Administrator role); any other user name holds none.
 */
import type { WireObject } from '../wire/codec.js';
import { fault, type MoRef } from '../faults.js';
import type { MethodTable, MoContext } from './context.js';

function entities(ctx: MoContext, refs: MoRef[] | undefined): MoRef[] {
  for (const r of refs ?? []) if (!ctx.inv.peek(r.value)) throw fault.notFoundObj(r);
  return refs ?? [];
}

function isUser(ctx: MoContext, name: string): boolean {
  return ctx.inv.tenant.collection('vsphere.user').peek(name) !== undefined;
}

function privileges(ctx: MoContext, refs: MoRef[], granted: boolean, privIds: string[]): WireObject[] {
  return refs.map((e) => ({ _type: 'EntityPrivilege', entity: ctx.inv.ref(e.value), privAvailability: privIds.map((privId) => ({ _type: 'PrivilegeAvailability', privId, isGranted: granted })) }));
}

const ALL = ['System.Anonymous', 'System.View', 'System.Read', 'Datastore.FileManagement', 'Datastore.AllocateSpace', 'Datastore.Browse', 'Host.Config.Storage', 'VirtualMachine.Config.AddExistingDisk', 'VirtualMachine.Config.AddRemoveDevice', 'Cns.Searchable', 'StorageProfile.View'];

export const authorizationManagerMethods: MethodTable = {
  HasUserPrivilegeOnEntities: {
    on: ['AuthorizationManager'],
    run: (ctx, _self, args) => privileges(ctx, entities(ctx, args['entities'] as MoRef[]), isUser(ctx, String(args['userName'] ?? '')), (args['privId'] as string[] | undefined) ?? []),
  },
  HasPrivilegeOnEntities: {
    on: ['AuthorizationManager'],
    run: (ctx, _self, args) => privileges(ctx, entities(ctx, args['entity'] as MoRef[]), ctx.rt.session(String(args['sessionId'] ?? '')) !== undefined, (args['privId'] as string[] | undefined) ?? []),
  },
  FetchUserPrivilegeOnEntities: {
    on: ['AuthorizationManager'],
    run: (ctx, _self, args) => {
      const granted = isUser(ctx, String(args['userName'] ?? ''));
      return entities(ctx, args['entities'] as MoRef[]).map((e) => ({ _type: 'UserPrivilegeResult', entity: ctx.inv.ref(e.value), privileges: granted ? ALL : [] }));
    },
  },
};
