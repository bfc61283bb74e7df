/** The ManagedEntity properties every inventory object shares. */
import type { ResourceRecord } from '../../../core/store.js';
import type { AnyEntity } from '../inventory.js';
import type { WireObject } from '../wire/codec.js';
import type { MoContext } from './context.js';

export function entityProps(ctx: MoContext, rec: ResourceRecord<AnyEntity>, status = 'green'): WireObject {
  return {
    name: rec.data.name,
    parent: rec.parent ? ctx.inv.ref(rec.parent) : undefined,
    overallStatus: status,
    configStatus: 'gray',
    effectiveRole: [-1],
    alarmActionsEnabled: true,
    recentTask: [],
    declaredAlarmState: [],
    triggeredAlarmState: [],
    disabledMethod: [],
    tag: [],
    permission: [],
    customValue: [],
    value: [],
    availableField: [],
  };
}
