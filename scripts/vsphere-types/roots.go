package main

// The roots of the emitted closure: the methods fauxcloud serves and the concrete types it sends or
// must decode by xsi:type. Everything their fields reach is emitted with them.

var vimMethods = []string{
	"RetrieveServiceContent", "Login", "Logout", "SessionIsActive", "CurrentTime",
	"RetrievePropertiesEx", "ContinueRetrievePropertiesEx", "CancelRetrievePropertiesEx", "RetrieveProperties",
	"CreatePropertyCollector", "DestroyPropertyCollector", "CreateFilter", "DestroyPropertyFilter",
	"WaitForUpdatesEx", "WaitForUpdates", "CheckForUpdates", "CancelWaitForUpdates",
	"FindByInventoryPath", "FindChild", "FindByUuid", "FindAllByUuid", "FindByDnsName", "FindAllByDnsName",
	"FindByIp", "FindAllByIp", "FindByDatastorePath",
	"CreateContainerView", "CreateListView", "CreateListViewFromView", "ModifyListView", "ResetListView", "DestroyView",
	"PowerOffVM_Task", "PowerOnVM_Task", "ResetVM_Task", "ShutdownGuest", "Destroy_Task", "CancelTask",
	"CreateVM_Task", "CloneVM_Task", "ReconfigVM_Task", "MarkAsTemplate",
	"HasUserPrivilegeOnEntities", "HasPrivilegeOnEntities", "FetchUserPrivilegeOnEntities",
	// vMotion and VM snapshots
	"RelocateVM_Task", "CreateSnapshot_Task", "CreateSnapshotEx_Task", "RemoveSnapshot_Task", "RevertToSnapshot_Task",
	"RevertToCurrentSnapshot_Task", "RemoveAllSnapshots_Task", "RenameSnapshot",
	// first-class disks (VcenterVStorageObjectManager on /sdk, as vslm.ObjectManager and the CSI driver call it)
	"CreateDisk_Task", "RetrieveVStorageObject", "RetrieveVStorageObjectState", "ListVStorageObject", "DeleteVStorageObject_Task",
	"ExtendDisk_Task", "RenameVStorageObject", "SetVStorageObjectControlFlags", "ClearVStorageObjectControlFlags",
	"VStorageObjectCreateSnapshot_Task", "DeleteSnapshot_Task", "RetrieveSnapshotInfo", "AttachDisk_Task", "DetachDisk_Task",
	"RegisterDisk", "RetrieveVStorageInfrastructureObjectPolicy",
}

var vimTypes = []string{
	"TraversalSpec", "SelectionSpec", "ObjectSpec", "PropertySpec", "PropertyFilterSpec", "ServiceContent",
	"UserSession", "TaskInfo", "LocalizedMethodFault", "MissingProperty",
	"VmfsDatastoreInfo", "VsanDatastoreInfo", "NasDatastoreInfo", "LocalDatastoreInfo",
	"ClusterConfigInfoEx", "ComputeResourceConfigInfo", "ClusterComputeResourceSummary", "ResourcePoolSummary",
	"VirtualDisk", "VirtualDiskFlatVer2BackingInfo", "ParaVirtualSCSIController", "VirtualLsiLogicSASController", "VirtualVmxnet3",
	"VirtualEthernetCardNetworkBackingInfo", "VirtualIDEController", "HostConfigInfo", "NetworkSummary",
	"ArrayOfManagedObjectReference", "ArrayOfString", "ArrayOfInt", "ArrayOfLong", "ArrayOfBoolean",
	"ArrayOfGuestNicInfo", "ArrayOfOptionValue", "ArrayOfDatastoreHostMount", "ArrayOfTag",
	"ArrayOfVirtualMachineConfigInfoDatastoreUrlPair", "ArrayOfHostVirtualNic",
	// the devices, backings and connections a ConfigSpec's deviceChange carries (govc vm.create,
	// vm.change, device.*, the CSI driver's and Cluster API's reconfigures)
	"VirtualLsiLogicController", "VirtualBusLogicController", "VirtualAHCIController", "VirtualNVMEController",
	"VirtualSATAController", "VirtualPCIController", "VirtualSIOController", "VirtualPS2Controller",
	"VirtualUSBController", "VirtualUSBXHCIController", "VirtualE1000", "VirtualE1000e", "VirtualPCNet32",
	"VirtualVmxnet2", "VirtualSriovEthernetCard", "VirtualCdrom", "VirtualFloppy", "VirtualSerialPort",
	"VirtualMachineVideoCard", "VirtualKeyboard", "VirtualPointingDevice", "VirtualMachineVMCIDevice",
	"VirtualCdromIsoBackingInfo", "VirtualCdromRemotePassthroughBackingInfo", "VirtualCdromRemoteAtapiBackingInfo",
	"VirtualCdromAtapiBackingInfo", "VirtualFloppyImageBackingInfo", "VirtualFloppyRemoteDeviceBackingInfo",
	"VirtualDiskSparseVer2BackingInfo", "VirtualDiskSeSparseBackingInfo", "VirtualDiskRawDiskMappingVer1BackingInfo",
	"VirtualEthernetCardDistributedVirtualPortBackingInfo", "VirtualEthernetCardOpaqueNetworkBackingInfo",
	"VirtualSerialPortFileBackingInfo", "VirtualSerialPortURIBackingInfo",
	"VirtualMachineRelocateSpecDiskLocator", "VirtualMachineEmptyProfileSpec", "VirtualDeviceConfigSpec",
	"VirtualMachineConfigSpec", "VirtualMachineCloneSpec", "VirtualMachineFileInfo", "VirtualMachineBootOptions",
	"OptionValue", "KeyValue", "BaseConfigInfoDiskFileBackingInfo", "TaskReasonUser", "TaskReasonSystem", "VirtualMachineDefinedProfileSpec",
	"VirtualMachineSnapshotInfo", "VirtualMachineSnapshotTree", "VirtualMachineRelocateSpec", "VStorageObject",
	"VStorageObjectSnapshotInfo", "VStorageObjectStateInfo", "VslmCreateSpec", "VslmCreateSpecDiskFileBackingSpec",
	"VirtualDiskFlatVer2BackingInfo", "ArrayOfVirtualMachineSnapshotTree", "VslmRelocateSpec", "ArrayOfID", "ID", "ArrayOfVStorageObjectSnapshotInfoVStorageObjectSnapshot",
	// faults
	"MethodFault", "InvalidLogin", "NotAuthenticated", "ManagedObjectNotFound", "InvalidArgument", "InvalidState",
	"InvalidPowerState", "NotFound", "InvalidProperty", "InvalidCollectorVersion", "RequestCanceled",
	"MethodNotFound", "NoPermission", "ResourceInUse", "AlreadyExists", "NotSupported", "InvalidRequest",
	"SystemError", "Timedout", "InsufficientResourcesFault", "InvalidType", "HostCommunication",
	"InaccessibleDatastore", "TaskInProgress", "NotImplemented", "SecurityError", "InvalidDatastore",
	"DuplicateName", "InvalidDeviceSpec", "InvalidDeviceOperation", "InvalidDatastorePath", "InvalidVmConfig",
	"CpuHotPlugNotSupported", "MemoryHotPlugNotSupported", "InvalidPowerState", "SnapshotFault", "InvalidSnapshotFormat",
	"SnapshotDisabled", "TooManySnapshotLevels", "FileFault", "FileNotFound", "DatastoreNotWritableOnHost", "InvalidHostState",
	"VmConfigFault", "VirtualHardwareCompatibilityIssue", "ToolsUnavailable", "MemorySnapshotOnIndependentDisk", "MigrationFault", "DisallowedMigrationDeviceAttached",
}

var cnsMethods = []string{
	"CnsCreateVolume", "CnsDeleteVolume", "CnsAttachVolume", "CnsDetachVolume", "CnsExtendVolume",
	"CnsUpdateVolumeMetadata", "CnsQueryVolume", "CnsQueryAllVolume", "CnsQueryVolumeInfo",
	"CnsCreateSnapshots", "CnsDeleteSnapshots", "CnsQuerySnapshots", "CnsConfigureVolumeACLs", "CnsQueryAsync", "CnsReconfigVolumePolicy",
	"CnsRelocateVolume", "CnsSyncVolume", "CnsUnregisterVolume", "CnsSyncDatastore",
}

var cnsTypes = []string{
	"CnsBlockBackingDetails", "CnsVsanFileShareBackingDetails", "CnsVolumeOperationBatchResult",
	"CnsVolumeCreateResult", "CnsVolumeAttachResult", "CnsVolumeOperationResult", "CnsKubernetesEntityMetadata",
	"CnsVolumeAlreadyExistsFault", "CnsFault", "CnsBlockVolumeInfo", "CnsQuerySelection", "CnsQueryVolumeInfoResult",
	"CnsVsanFileShareBackingDetails", "CnsVolumeNotFoundFault", "CnsSnapshotCreateResult", "CnsSnapshotDeleteResult",
	"CnsSnapshotQueryResult", "CnsSnapshotNotFoundFault", "CnsSnapshotVolumeSource", "CnsVSANFileCreateSpec", "CnsSnapshotQueryResultEntry", "CnsAsyncQueryResult",
	"CnsBlockVolumeRelocateSpec", "CnsVolumeRelocateSpec", "CnsSyncVolumeSpec", "CnsUnregisterVolumeSpec", "CnsAlreadyRegisteredFault",
}

var pbmMethods = []string{
	"PbmRetrieveServiceContent", "PbmQueryProfile", "PbmRetrieveContent", "PbmCheckCompatibility",
	"PbmCheckRequirements", "PbmQueryMatchingHub",
}

var pbmTypes = []string{"PbmCapabilityProfile", "PbmProfileId", "PbmCapabilitySubProfileConstraints"}

var vsanMethods = []string{"VsanClusterGetConfig"}

// The global VSLM endpoint (/vslm/sdk) as govmomi's vslm.GlobalObjectManager and Task call it.
var vslmMethods = []string{
	"RetrieveContent", "VslmCreateDisk_Task", "VslmRetrieveVStorageObject", "VslmRetrieveVStorageObjects",
	"VslmRetrieveVStorageObjectState", "VslmListVStorageObjectForSpec", "VslmDeleteVStorageObject_Task",
	"VslmExtendDisk_Task", "VslmRenameVStorageObject", "VslmSetVStorageObjectControlFlags",
	"VslmClearVStorageObjectControlFlags", "VslmCreateSnapshot_Task", "VslmDeleteSnapshot_Task",
	"VslmRetrieveSnapshotInfo", "VslmAttachDisk_Task", "VslmRelocateVStorageObject_Task",
	"VslmQueryInfo", "VslmQueryTaskResult", "VslmCancelTask",
}

var vslmTypes = []string{"VslmTaskInfo", "VslmTaskReasonUser", "VslmServiceInstanceContent", "VslmVsoVStorageObjectResult", "VslmVsoVStorageObjectQueryResult"}

var managedObjects = []string{
	"ManagedEntity", "ExtensibleManagedObject", "ServiceInstance", "SessionManager", "PropertyCollector",
	"PropertyFilter", "ViewManager", "View", "ManagedObjectView", "ContainerView", "ListView", "SearchIndex",
	"TaskManager", "Task", "Folder", "Datacenter", "ComputeResource", "ClusterComputeResource", "HostSystem",
	"ResourcePool", "Datastore", "Network", "DistributedVirtualPortgroup", "VirtualMachine", "VirtualApp",
	"StoragePod", "DistributedVirtualSwitch", "VmwareDistributedVirtualSwitch", "OpaqueNetwork",
	"VirtualMachineSnapshot", "VcenterVStorageObjectManager",
}
