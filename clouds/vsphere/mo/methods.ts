/** Every SOAP method fauxcloud serves on /sdk, by name, from the managed object files. */
import { authorizationManagerMethods } from './authorization-manager.js';
import type { MethodTable } from './context.js';
import { propertyCollectorMethods } from './property-collector.js';
import { searchIndexMethods } from './search-index.js';
import { serviceInstanceMethods } from './service-instance.js';
import { taskMethods } from './task.js';
import { viewManagerMethods } from './view-manager.js';
import { virtualMachineMethods } from './virtual-machine.js';
import { vmProvisionMethods } from './vm-provision.js';
import { vmRelocateMethods } from './vm-relocate.js';
import { vmSnapshotMethods } from './vm-snapshot.js';
import { vStorageObjectMethods } from '../vslm/vstorage-object-manager.js';

export const VIM_METHODS: MethodTable = {
  ...serviceInstanceMethods,
  ...propertyCollectorMethods,
  ...viewManagerMethods,
  ...searchIndexMethods,
  ...taskMethods,
  ...virtualMachineMethods,
  ...vmProvisionMethods,
  ...vmRelocateMethods,
  ...vmSnapshotMethods,
  ...vStorageObjectMethods,
  ...authorizationManagerMethods,
};
