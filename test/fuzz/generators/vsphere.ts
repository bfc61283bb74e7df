/**
 * vSphere: vim25 SOAP on /sdk, CNS on /vsanHealth, PBM on /pbm and the vAPI on /rest and /api,
 * with a real session (from `setup`) most of the time and malformed everything else: envelopes,
 * XML entity tricks (billion laughs, external entities: never expanded, never read), nesting,
 * xsi:types, managed object references, arguments, cookies, JSON bodies.
 */
import { expect } from 'vitest';
import { clean, oversized, send, type FuzzGenerator, type FuzzRequest, type FuzzResponse, type Rng } from '../harness.js';

/** Filled by setup: the vim25 cookie and the vAPI session id of administrator@vsphere.local. */
const session = { cookie: '', rest: '' };

const ENV_OPEN = '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>';
const ENV_CLOSE = '</soapenv:Body></soapenv:Envelope>';
const envelope = (body: string) => `${ENV_OPEN}${body}${ENV_CLOSE}`;
/** encodeURIComponent refuses lone surrogates; send their raw UTF-8 escape instead. */
const enc = (s: string): string => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD')).replace(/%EF%BF%BD/g, '%ED%A0%80');
const xmlEscape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

const REFS: Array<[string, string]> = [
  ['ServiceInstance', 'ServiceInstance'], ['SessionManager', 'SessionManager'], ['PropertyCollector', 'propertyCollector'], ['ViewManager', 'ViewManager'],
  ['SearchIndex', 'SearchIndex'], ['Folder', 'group-d1'], ['Datacenter', 'datacenter-2'], ['VirtualMachine', 'vm-1'], ['VirtualMachine', 'vm-424242'],
  ['HostSystem', 'host-1'], ['Datastore', 'datastore-1'], ['ClusterComputeResource', 'domain-c1'], ['Task', 'task-1'], ['AuthorizationManager', 'AuthorizationManager'],
  ['CnsVolumeManager', 'cns-volume-manager'], ['VsanVcClusterConfigSystem', 'vsan-cluster-config-system'], ['PbmServiceInstance', 'ServiceInstance'],
  ['PbmProfileProfileManager', 'ProfileManager'], ['PbmPlacementSolver', 'PlacementSolver'], ['Nope', 'nope'], ['', ''],
];
const VIM_METHODS = [
  'RetrieveServiceContent', 'CurrentTime', 'Login', 'SessionIsActive', 'RetrievePropertiesEx', 'RetrieveProperties', 'ContinueRetrievePropertiesEx', 'CancelRetrievePropertiesEx',
  'CreateFilter', 'CreatePropertyCollector', 'DestroyPropertyCollector', 'WaitForUpdatesEx', 'CheckForUpdates', 'CancelWaitForUpdates', 'CreateContainerView', 'CreateListView',
  'DestroyView', 'FindByInventoryPath', 'FindChild', 'FindByUuid', 'FindAllByUuid', 'FindByDnsName', 'FindByIp', 'PowerOnVM_Task', 'PowerOffVM_Task', 'ResetVM_Task',
  'ShutdownGuest', 'CancelTask', 'CreateVM_Task', 'CloneVM_Task', 'ReconfigVM_Task', 'MarkAsTemplate', 'HasUserPrivilegeOnEntities', 'FetchUserPrivilegeOnEntities', 'FrobnicateVM_Task', 'retrievepropertiesex',
  'RelocateVM_Task', 'CreateSnapshot_Task', 'RemoveSnapshot_Task', 'RevertToSnapshot_Task', 'RemoveAllSnapshots_Task', 'CreateDisk_Task', 'RetrieveVStorageObject', 'ListVStorageObject', 'AttachDisk_Task', 'DetachDisk_Task',
];
const CNS_METHODS = ['CnsCreateVolume', 'CnsQueryVolume', 'CnsQueryAllVolume', 'CnsDeleteVolume', 'CnsAttachVolume', 'CnsDetachVolume', 'CnsExtendVolume', 'CnsUpdateVolumeMetadata', 'CnsCreateSnapshots', 'CnsQuerySnapshots', 'CnsQueryVolumeInfo', 'CnsQueryAsync', 'VsanClusterGetConfig', 'CnsNope', 'CnsRelocateVolume', 'CnsSyncVolume', 'CnsUnregisterVolume'];
const PBM_METHODS = ['PbmRetrieveServiceContent', 'PbmQueryProfile', 'PbmRetrieveContent', 'PbmCheckCompatibility', 'PbmCheckRequirements', 'PbmQueryMatchingHub', 'PbmNope'];
const ARGS = [
  'userName', 'password', 'locale', 'sessionID', 'specSet', 'options', 'token', 'version', 'container', 'type', 'recursive', 'obj', 'view', 'inventoryPath', 'entity', 'name',
  'uuid', 'vmSearch', 'instanceUuid', 'dnsName', 'ip', 'datacenter', 'host', 'entities', 'privId', 'createSpecs', 'filter', 'volumeIds', 'deleteDisk', 'attachSpecs',
  'extendSpecs', 'querySelection', 'profileIds', 'resourceType', 'hubsToSearch', 'profile', 'cluster', 'snapshotCreateSpecs', 'partialUpdates', 'maxObjects',
  'spec', 'relocateSpecs', 'syncSpecs', 'unregisterSpec', 'diskId', 'id', 'datastore', 'memory', 'quiesce', 'removeChildren',
];
const TYPES = ['xsd:string', 'xsd:int', 'xsd:long', 'xsd:boolean', 'ManagedObjectReference', 'PropertyFilterSpec', 'CnsVolumeCreateSpec', 'ArrayOfString', 'VirtualMachinePowerState', 'NoSuchType', 'vim25:Folder', ''];

function text(rng: Rng): string {
  return rng.pick([
    () => xmlEscape(clean(rng.nasty())),
    () => rng.pick(['true', 'false', '0', '-1', '100', '99999999999999999999', '1e308', 'NaN', 'administrator@vsphere.local', 'fauxcloud', '[vsanDatastore] x.vmdk', 'dc1/vm/node-a', '4237c5a4-1d5e-8c1b-5f0e-0a1b2c3d4e01', '10.20.0.11', 'node-a']),
    () => rng.pick(['&amp;', '&lt;&gt;', '&#0;', '&#x110000;', '&#xD800;', '&#65;', '&nope;', '&lol9;', '&', '<![CDATA[<x>]]>', '<!-- c -->', '<?pi x?>']),
    () => 'x'.repeat(rng.pick([256, 4096, 70_000])),
  ])();
}

function element(rng: Rng, name: string, depth = 0): string {
  const attrs: string[] = [];
  if (rng.chance(0.3)) attrs.push(`xsi:type="${rng.pick(TYPES)}"`);
  if (rng.chance(0.15)) {
    const [t] = rng.pick(REFS);
    attrs.push(`type="${t}"`);
  }
  if (rng.chance(0.03)) attrs.push(rng.pick(['a="1" a="2"', 'b=unquoted', 'c="unterminated', '__proto__="x"', 'xmlns:x="urn:x"']));
  const open = `<${name}${attrs.length ? ` ${attrs.join(' ')}` : ''}`;
  if (rng.chance(0.05)) return `${open}/>`;
  const inner = depth < 3 && rng.chance(0.35) ? Array.from({ length: 1 + rng.int(3) }, () => element(rng, rng.pick(ARGS), depth + 1)).join('') : text(rng);
  return `${open}>${inner}</${name}>`;
}

/** Real inventory objects, found by setup (ids are handed out at seed time). */
const FOUND: Array<[string, string]> = [];
const ref = (rng: Rng, name: string) => {
  const [t, v] = rng.chance(0.6) && FOUND.length ? rng.pick(FOUND) : rng.pick(REFS);
  return `<${name} type="${t}">${v}</${name}>`;
};
const str = (rng: Rng, name: string, good: string[]) => `<${name}>${rng.chance(0.6) ? rng.pick(good) : text(rng)}</${name}>`;
const bool = (rng: Rng, name: string) => `<${name}>${rng.pick(['true', 'false', 'TRUE', '1', 'yes', ''])}</${name}>`;
const propSpec = (rng: Rng) =>
  `<specSet><propSet><type>${rng.pick(['VirtualMachine', 'Folder', 'HostSystem', 'Datastore', 'Nope', ''])}</type>${rng.chance(0.3) ? bool(rng, 'all') : ''}${Array.from({ length: rng.int(3) }, () => str(rng, 'pathSet', ['name', 'config.uuid', 'summary.runtime.powerState', 'childEntity', 'guest.net', 'config.hardware.device', 'nope.x', 'config..uuid', ''])).join('')}</propSet>` +
  `<objectSet>${rng.chance(0.9) ? ref(rng, 'obj') : ''}${rng.chance(0.3) ? bool(rng, 'skip') : ''}${rng.chance(0.3) ? `<selectSet xsi:type="${rng.pick(['TraversalSpec', 'SelectionSpec', 'Nope'])}"><name>${rng.word()}</name><type>${rng.pick(['Folder', 'Datacenter', 'ContainerView'])}</type><path>${rng.pick(['childEntity', 'view', 'vmFolder', 'nope'])}</path>${rng.chance(0.5) ? `<selectSet><name>${rng.word()}</name></selectSet>` : ''}</selectSet>` : ''}</objectSet></specSet>`;
/** A ConfigSpec: CPU, memory, extraConfig and device changes with good and hostile values. */
const configSpec = (rng: Rng) =>
  (rng.chance(0.5) ? str(rng, 'numCPUs', ['2', '0', '-1', '3', 'x', '99999999999']) : '') +
  (rng.chance(0.5) ? str(rng, 'memoryMB', ['2048', '3', '0', 'x']) : '') +
  (rng.chance(0.3) ? `<extraConfig xsi:type="OptionValue">${str(rng, 'key', ['disk.EnableUUID', '', 'guestinfo.x'])}<value xsi:type="${rng.pick(['xsd:string', 'xsd:int', 'Nope'])}">${text(rng)}</value></extraConfig>` : '') +
  Array.from({ length: rng.int(3) }, () => `<deviceChange>${str(rng, 'operation', ['add', 'edit', 'remove', 'nope'])}${rng.chance(0.5) ? str(rng, 'fileOperation', ['create', 'destroy', 'x']) : ''}<device xsi:type="${rng.pick(['VirtualDisk', 'ParaVirtualSCSIController', 'VirtualVmxnet3', 'VirtualE1000', 'VirtualCdrom', 'Nope', 'OptionValue'])}">${str(rng, 'key', ['-1', '2000', '1000', '4000', 'x'])}${rng.chance(0.6) ? str(rng, 'controllerKey', ['1000', '100', '-1', '7']) : ''}${rng.chance(0.4) ? str(rng, 'unitNumber', ['1', '7', '99', '-1']) : ''}${rng.chance(0.5) ? str(rng, 'capacityInKB', ['1048576', '0', '-5', '1e9']) : ''}${rng.chance(0.5) ? `<backing xsi:type="${rng.pick(['VirtualDiskFlatVer2BackingInfo', 'VirtualEthernetCardNetworkBackingInfo', 'Nope'])}">${str(rng, 'fileName', ['', '[datastore1]', '[nope] x.vmdk'])}${str(rng, 'deviceName', ['VM Network', 'nope'])}</backing>` : ''}</device></deviceChange>`).join('');
/** Each method's required arguments, present but drawn from good and hostile values, so handlers run. */
const METHOD_ARGS: Record<string, (rng: Rng) => string> = {
  Login: (rng) => str(rng, 'userName', ['administrator@vsphere.local', 'nobody']) + str(rng, 'password', ['fauxcloud', 'nope']),
  SessionIsActive: (rng) => str(rng, 'sessionID', [/"([^"]+)"/.exec(session.cookie)?.[1] ?? 'x']) + str(rng, 'userName', ['administrator@vsphere.local']),
  RetrievePropertiesEx: (rng) => propSpec(rng) + `<options>${rng.chance(0.5) ? str(rng, 'maxObjects', ['1', '0', '-1', '100', 'many']) : ''}</options>`,
  RetrieveProperties: (rng) => propSpec(rng),
  ContinueRetrievePropertiesEx: (rng) => str(rng, 'token', ['1', '0', 'x']),
  CancelRetrievePropertiesEx: (rng) => str(rng, 'token', ['1', 'x']),
  CreateFilter: (rng) => `<spec>${propSpec(rng).replace(/^<specSet>|<\/specSet>$/g, '')}</spec>${bool(rng, 'partialUpdates')}`,
  CreateContainerView: (rng) => ref(rng, 'container') + Array.from({ length: rng.int(3) }, () => str(rng, 'type', ['VirtualMachine', 'HostSystem', 'Nope'])).join('') + bool(rng, 'recursive'),
  CreateListView: (rng) => Array.from({ length: rng.int(3) }, () => ref(rng, 'obj')).join(''),
  FindByInventoryPath: (rng) => str(rng, 'inventoryPath', ['dc1/vm/node-a', '/dc1/host/cluster1', 'dc1//vm', '..', '%2f%25', 'dc1/vm/node-a/x']),
  FindChild: (rng) => ref(rng, 'entity') + str(rng, 'name', ['vm', 'host', 'node-a', 'dc1']),
  FindByUuid: (rng) => (rng.chance(0.3) ? ref(rng, 'datacenter') : '') + str(rng, 'uuid', ['4237c5a4-1d5e-8c1b-5f0e-0a1b2c3d4e01', '4237C5A4-1D5E-8C1B-5F0E-0A1B2C3D4E02', 'x']) + bool(rng, 'vmSearch') + (rng.chance(0.5) ? bool(rng, 'instanceUuid') : ''),
  FindAllByUuid: (rng) => str(rng, 'uuid', ['4237c5a4-1d5e-8c1b-5f0e-0a1b2c3d4e01']) + bool(rng, 'vmSearch'),
  FindByDnsName: (rng) => str(rng, 'dnsName', ['node-a', 'NODE-B', 'esxi-1.fauxcloud.local']) + bool(rng, 'vmSearch'),
  FindByIp: (rng) => str(rng, 'ip', ['10.20.0.11', '10.20.0.999', '::1']) + bool(rng, 'vmSearch'),
  HasUserPrivilegeOnEntities: (rng) => ref(rng, 'entities') + str(rng, 'userName', ['administrator@vsphere.local', 'nobody']) + str(rng, 'privId', ['System.Read', 'VirtualMachine.Config.AddExistingDisk', 'Nope']),
  FetchUserPrivilegeOnEntities: (rng) => ref(rng, 'entities') + str(rng, 'userName', ['administrator@vsphere.local', 'nobody']),
  CnsQueryVolume: (rng) => `<filter>${rng.chance(0.5) ? `<volumeIds><id>${text(rng)}</id></volumeIds>` : ''}${rng.chance(0.3) ? str(rng, 'names', ['pvc-1']) : ''}${rng.chance(0.3) ? `<cursor><offset>${rng.pick(['0', '-1', 'x', '99999999999'])}</offset><limit>${rng.pick(['1', '0', '-5', 'x'])}</limit></cursor>` : ''}</filter>`,
  CnsCreateVolume: (rng) => `<createSpecs>${str(rng, 'name', ['pvc-fz', ''])}${str(rng, 'volumeType', ['BLOCK', 'FILE', 'NOPE'])}${rng.chance(0.6) ? ref(rng, 'datastores') : ''}<backingObjectDetails xsi:type="${rng.pick(['CnsBlockBackingDetails', 'CnsVsanFileShareBackingDetails', 'Nope'])}">${str(rng, 'capacityInMb', ['1024', '0', '-1', '99999999999999', 'x'])}</backingObjectDetails><metadata><containerCluster>${str(rng, 'clusterType', ['KUBERNETES'])}${str(rng, 'clusterId', ['fz'])}${str(rng, 'vSphereUser', ['administrator@vsphere.local'])}</containerCluster></metadata></createSpecs>`,
  CnsDeleteVolume: (rng) => `<volumeIds><id>${text(rng)}</id></volumeIds>${bool(rng, 'deleteDisk')}`,
  CnsAttachVolume: (rng) => `<attachSpecs><volumeId><id>${text(rng)}</id></volumeId>${ref(rng, 'vm')}</attachSpecs>`,
  CnsExtendVolume: (rng) => `<extendSpecs><volumeId><id>${text(rng)}</id></volumeId>${str(rng, 'capacityInMb', ['2048', '-1', 'x'])}</extendSpecs>`,
  CreateVM_Task: (rng) => `<config>${str(rng, 'name', ['fz-vm', '', 'node-a'])}${configSpec(rng)}<files>${str(rng, 'vmPathName', ['[datastore1]', '[nope]', '[vsanDatastore] fz/fz.vmx', ''])}</files></config>${ref(rng, 'pool')}${rng.chance(0.3) ? ref(rng, 'host') : ''}`,
  CloneVM_Task: (rng) => `${ref(rng, 'folder')}${str(rng, 'name', ['fz-clone', '', 'node-b'])}<spec><location>${rng.chance(0.5) ? ref(rng, 'datastore') : ''}${rng.chance(0.5) ? ref(rng, 'pool') : ''}</location>${bool(rng, 'template')}${bool(rng, 'powerOn')}${rng.chance(0.4) ? `<config>${configSpec(rng)}</config>` : ''}</spec>`,
  ReconfigVM_Task: (rng) => `<spec>${configSpec(rng)}</spec>`,
  PbmQueryProfile: (rng) => `<resourceType>${str(rng, 'resourceType', ['STORAGE', 'NOPE'])}</resourceType>${rng.chance(0.5) ? str(rng, 'profileCategory', ['REQUIREMENT', 'x']) : ''}`,
  PbmRetrieveContent: (rng) => Array.from({ length: rng.int(3) }, () => `<profileIds>${str(rng, 'uniqueId', ['aa6d5a82-1c88-45da-85d3-3d74b91a5bad', 'x'])}</profileIds>`).join(''),
};

function call(rng: Rng, method: string, ns: string): string {
  const [type, value] = rng.chance(0.85) ? (rng.chance(0.5) && FOUND.length ? rng.pick(FOUND) : rng.pick(REFS)) : [rng.pick(REFS)[0], xmlEscape(clean(rng.nasty()))];
  const self = rng.chance(0.9) ? `<_this type="${type}">${value}</_this>` : rng.pick(['', '<_this>x</_this>', '<_this type="VirtualMachine"/>', '<_this type="VirtualMachine"><x/></_this>']);
  const known = METHOD_ARGS[method];
  let args = known && rng.chance(0.8) ? known(rng) : Array.from({ length: rng.int(4) }, () => element(rng, rng.pick(ARGS))).join('');
  if (method === 'WaitForUpdatesEx') args = `<version>${rng.pick(['', '1', 'x'])}</version><options><maxWaitSeconds>${rng.pick(['0', '-1', 'x', '0.5', ''])}</maxWaitSeconds></options>`;
  if (method === 'WaitForUpdates') args = '';
  return `<${method} xmlns="${ns}">${self}${args}</${method}>`;
}

/** Envelopes and bodies that try the parser: broken XML, entities, DOCTYPEs, nesting, other namespaces. */
function hostileBody(rng: Rng, inner: string): string {
  return rng.pick([
    () => inner.slice(0, rng.int(inner.length)),
    () => `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>${envelope(inner.replace(/<\/_this>/, '&lol9;</_this>'))}`,
    () => `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${envelope(`<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>&xxe;</userName><password>&xxe;</password></Login>`)}`,
    () => `<?xml version="1.0"?><!DOCTYPE foo SYSTEM "http://127.0.0.1:1/evil.dtd">${envelope(inner)}`,
    () => `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]>${envelope(inner)}`,
    () => envelope(`${'<a>'.repeat(rng.pick([300, 5000]))}${'</a>'.repeat(rng.pick([300, 5000]))}`),
    () => envelope(`<Login xmlns="urn:vim25">${'<_this>'.repeat(1000)}`),
    () => `<soapenv:Envelope xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`,
    () => `<Envelope><Header><vcSessionCookie>${rng.word()}</vcSessionCookie></Header><Body>${inner}</Body></Envelope>`,
    () => envelope(''),
    () => envelope(`${inner}${inner}`),
    () => `${ENV_OPEN}${inner}`,
    () => `\uFEFF${envelope(inner)}`,
    () => JSON.stringify({ Login: { userName: 'x' } }),
    () => rng.nasty(),
    () => '',
    () => `<${'a'.repeat(70_000)}>`,
    () => `${ENV_OPEN}<!--${'x'.repeat(10_000)}`,
    () => `<x ${Array.from({ length: 2000 }, (_, i) => `a${i}="1"`).join(' ')}/>`,
  ])();
}

function soapHeaders(rng: Rng, path: string): Record<string, string> {
  const h: Record<string, string> = { 'content-type': rng.chance(0.85) ? 'text/xml; charset="utf-8"' : rng.pick(['application/soap+xml', 'application/json', 'text/plain', '']) };
  if (rng.chance(0.8)) h['soapaction'] = rng.pick(['urn:vim25/8.0.3.0', 'urn:vim25/7.0', 'urn:vsan/8.0.3.0', 'urn:pbm/8.0.3.0', '', '"urn:vim25/x"', clean(rng.nasty())]);
  const c = rng.next();
  if (c < 0.8) h['cookie'] = session.cookie;
  else if (c < 0.9) h['cookie'] = rng.pick(['vmware_soap_session="bogus"', 'vmware_soap_session=', 'vmware_soap_session="', `vmware_soap_session="${rng.word(40)}"`, 'a=b; vmware_soap_session']);
  if (path !== '/sdk' && rng.chance(0.1)) h['cookie'] = '';
  return h;
}

/**
 * A well-formed CurrentTime with the live session, as govmomi sends it: the fault rule below is
 * matched on it. Random calls almost never name a `_this` the method is defined on, and the gate
 * runs after the object is resolved (as vCenter refuses a bad `_this` before it runs anything), so
 * without these the rule never fired and proved nothing.
 */
const CURRENT_TIME = '<CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></CurrentTime>';

function soap(rng: Rng): FuzzRequest {
  if (rng.chance(0.03)) return { method: 'POST', path: '/sdk', headers: { 'content-type': 'text/xml; charset="utf-8"', soapaction: 'urn:vim25/8.0.3.0', cookie: session.cookie }, body: envelope(CURRENT_TIME) };
  const r = rng.next();
  const [path, methods, ns] = r < 0.7 ? ['/sdk', VIM_METHODS, 'urn:vim25'] : r < 0.88 ? ['/vsanHealth', CNS_METHODS, 'urn:vsan'] : [rng.pick(['/pbm', '/pbm/sdk']), PBM_METHODS, 'urn:pbm'];
  const inner = call(rng, rng.pick(methods), rng.chance(0.9) ? ns : rng.pick(['urn:vim25', 'urn:vsan', 'urn:pbm', 'urn:nope', '']));
  let body = rng.chance(0.75) ? envelope(inner) : hostileBody(rng, inner);
  // The PBM and CNS endpoints also take the session as a vcSessionCookie SOAP header.
  if (path !== '/sdk' && rng.chance(0.2)) body = body.replace('<soapenv:Body>', `<soapenv:Header><vcSessionCookie>${rng.chance(0.6) ? /"([^"]+)"/.exec(session.cookie)?.[1] ?? '' : rng.word()}</vcSessionCookie></soapenv:Header><soapenv:Body>`);
  const method = rng.chance(0.93) ? 'POST' : rng.pick(['GET', 'PUT', 'DELETE', 'OPTIONS']);
  return { method, path: rng.chance(0.97) ? path : `${path}${rng.pick(['/', '?x=1', '/nope', '//'])}`, headers: soapHeaders(rng, path), body: method === 'GET' ? undefined : body };
}

const REST_PATHS = [
  '/cis/session', '/cis/tagging/category', '/cis/tagging/tag', '/cis/tagging/tag-association', '/cis/tagging/category/id:{id}', '/cis/tagging/tag/id:{id}',
  '/cis/tagging/tag-association/id:{id}', '/vcenter/vm', '/vcenter/nope', '/cis/tagging/nope', '',
];
const ACTIONS = ['', 'create', 'get', 'attach', 'detach', 'list-attached-objects', 'list-attached-tags', 'list-tags-for-category', 'attach-multiple-tags-to-object', 'list-attached-objects-on-tags', 'list-attached-tags-on-objects', 'detach-multiple-tags-from-object', 'nope'];
const SPEC_FIELDS = ['name', 'description', 'cardinality', 'associable_types', 'category_id', 'object_id', 'object_ids', 'tag_ids', 'id', 'type', '__proto__', 'constructor'];

function jsonValue(rng: Rng, depth = 0): unknown {
  const k = rng.int(depth > 2 ? 4 : 6);
  if (k === 0) return clean(rng.nasty());
  if (k === 1) return rng.pick([0, -1, 1e308, 1.5, true, null]);
  if (k === 2) return rng.pick(['SINGLE', 'MULTIPLE', 'VirtualMachine', 'urn:vmomi:InventoryServiceCategory:x:GLOBAL', 'vm-1']);
  if (k === 3) return { id: rng.pick(['vm-1', 'host-1', rng.word()]), type: rng.pick(['VirtualMachine', 'HostSystem', rng.word()]) };
  if (k === 4) return Array.from({ length: rng.int(3) }, () => jsonValue(rng, depth + 1));
  return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(SPEC_FIELDS), jsonValue(rng, depth + 1)]));
}

function rest(rng: Rng): FuzzRequest {
  const api = rng.chance(0.3);
  let p = rng.pick(REST_PATHS).replace('{id}', rng.pick(['urn:vmomi:InventoryServiceCategory:00000000-0000-0000-0000-000000000000:GLOBAL', rng.word(), enc(clean(rng.nasty())), '']));
  if (api) p = p.replace(/^\/cis\/session$/, '/session').replace(/^\/cis\//, '/cis/');
  const action = rng.chance(0.6) ? rng.pick(ACTIONS) : '';
  const method = rng.pick(['GET', 'GET', 'POST', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD']);
  const h: Record<string, string> = { 'content-type': rng.chance(0.85) ? 'application/json' : rng.pick(['text/plain', 'application/xml', '']) };
  const s = rng.next();
  // Logging the shared session out would leave the rest of the run unauthenticated.
  const logout = method === 'DELETE' && /session$/.test(p);
  if (logout) h['vmware-api-session-id'] = rng.pick(['', 'bogus', rng.word(32)]);
  else if (s < 0.7) h['vmware-api-session-id'] = session.rest;
  else if (s < 0.8) h['cookie'] = `vmware-api-session-id=${rng.chance(0.5) ? session.rest : rng.word()}`;
  else if (s < 0.9) h['vmware-api-session-id'] = rng.pick(['', 'bogus', rng.word(32)]);
  if (rng.chance(0.1)) h['authorization'] = rng.pick([`Basic ${Buffer.from('administrator@vsphere.local:fauxcloud').toString('base64')}`, `Basic ${Buffer.from('administrator@vsphere.local:nope').toString('base64')}`, 'Basic', 'Basic !!!', `Basic ${Buffer.from('nocolon').toString('base64')}`, 'Bearer x']);
  const body = rng.pick([
    () => JSON.stringify({ [rng.pick(['create_spec', 'update_spec', 'object_id', 'object_ids', 'tag_ids', 'spec'])]: jsonValue(rng) }),
    () => JSON.stringify(jsonValue(rng)),
    () => '{"create_spec":',
    () => '{"__proto__":{"polluted":true},"create_spec":{"name":"fz"}}',
    () => `${'['.repeat(3000)}${']'.repeat(3000)}`,
    () => JSON.stringify({ create_spec: { name: 'x'.repeat(70_000), cardinality: 'SINGLE', associable_types: [] } }),
    () => undefined,
  ])();
  const qs = action ? `?~action=${action}` : rng.chance(0.05) ? `?~action=${enc(clean(rng.nasty()))}&~action=get` : '';
  return { method, path: `${api ? '/api' : '/rest/com/vmware'}${p}${qs}`, headers: h, body: method === 'GET' || method === 'HEAD' ? undefined : body };
}

function misc(rng: Rng): FuzzRequest {
  return { method: rng.pick(['GET', 'GET', 'POST', 'HEAD']), path: rng.pick(['/sdk/vimServiceVersions.xml', '/sdk/vsanServiceVersions.xml', '/sdk/vimService.wsdl', '/sdk', '/sdk/../etc/passwd', '/folder', '/ui', `/sdk/${rng.word()}`, '/rest', '/api']), headers: {} };
}

const SYSTEM_FAULTS = new Set(['SystemError', 'RuntimeFault', 'MethodFault', 'HostCommunication']);
const FAULT = /^<\?xml[^>]*>\s*<soapenv:Envelope [^>]*>\s*<soapenv:Body>\s*<soapenv:Fault>\s*<faultcode>(?:ServerFaultCode|[\w:]+)<\/faultcode>\s*<faultstring>[^<]*<\/faultstring>\s*<detail>\s*<(\w+)Fault xmlns="urn:(?:vim25|vsan|pbm|cns)" xsi:type="(\w+)"/s;

function faultType(text: string): string | undefined {
  const m = FAULT.exec(text);
  return m ? m[2] : undefined;
}

const isSoap = (p: string) => /^\/(?:sdk|pbm|pbm\/sdk|vsanHealth)\/?(?:$|\?)/.test(p);

function shape(req: FuzzRequest, res: FuzzResponse): string | undefined {
  // An external entity or an entity expansion must never reach the answer.
  if (/root:.*:0:0:|lollollol/.test(res.text)) return 'an XML entity was expanded or a file was read';
  const p = req.path;
  if (p.startsWith('/sdk/') && p.endsWith('ServiceVersions.xml') && req.method === 'GET') return res.status === 200 && res.text.startsWith('<?xml') ? undefined : 'a service-version file that is no XML';
  if (isSoap(p) && req.method === 'POST') {
    if (res.status === 500) {
      const t = faultType(res.text);
      return t ? undefined : 'a 500 that is no SOAP fault with its detail';
    }
    if (res.status === 200) return /<soapenv:Envelope[^>]*>\s*<soapenv:Body>\s*<\w+Response xmlns="urn:(?:vim25|vsan|pbm|cns)"/.test(res.text) ? undefined : 'a 200 that is no SOAP response envelope';
    return `a SOAP endpoint answered ${res.status}, not 200 or a 500 fault`;
  }
  if (p.startsWith('/rest') || p.startsWith('/api')) {
    if (res.status === 204 || res.text === '' || req.method === 'HEAD') return undefined;
    let b: Record<string, unknown>;
    try {
      b = JSON.parse(res.text) as Record<string, unknown>;
    } catch {
      return 'a vAPI answer that is no JSON';
    }
    if (res.status < 400) return p.startsWith('/rest') && !(b && typeof b === 'object' && 'value' in b) ? 'a /rest answer without its value wrapper' : undefined;
    if (p.startsWith('/api')) return typeof b['error_type'] === 'string' && Array.isArray(b['messages']) ? undefined : 'not the /api error {error_type, messages}';
    const v = b['value'] as Record<string, unknown> | undefined;
    return typeof b['type'] === 'string' && String(b['type']).startsWith('com.vmware.vapi.std.errors.') && v && Array.isArray(v['messages']) ? undefined : 'not the /rest error {type, value: {messages}}';
  }
  return undefined;
}

const sdk = (body: string, cookie = true): FuzzRequest => ({
  method: 'POST',
  path: '/sdk',
  get headers() {
    return { 'content-type': 'text/xml; charset="utf-8"', soapaction: 'urn:vim25/8.0.3.0', ...(cookie ? { cookie: session.cookie } : {}) };
  },
  body: body.startsWith('<?xml') ? body : envelope(body),
});
const vimFault = (type: string, message?: string) => (res: FuzzResponse) => {
  expect(res.status).toBe(500);
  expect(res.headers['content-type']).toMatch(/^text\/xml/);
  expect(faultType(res.text)).toBe(type);
  if (message) expect(res.text).toContain(`<faultstring>${message}</faultstring>`);
};
const LOGIN = (password: string) => `<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>administrator@vsphere.local</userName><password>${password}</password></Login>`;

export const generator: FuzzGenerator = {
  name: 'vsphere',
  requests: 2000,
  async setup({ server }) {
    const login = await send(server, { method: 'POST', path: '/sdk', headers: { 'content-type': 'text/xml; charset="utf-8"', soapaction: 'urn:vim25/8.0.3.0' }, body: envelope(LOGIN('fauxcloud')) });
    const cookie = String(login.headers['set-cookie'] ?? '').split(';')[0];
    if (login.status !== 200 || !cookie) throw new Error(`vim25 Login failed: ${login.status} ${login.text.slice(0, 200)}`);
    session.cookie = cookie;
    const r = await send(server, { method: 'POST', path: '/rest/com/vmware/cis/session', headers: { authorization: `Basic ${Buffer.from('administrator@vsphere.local:fauxcloud').toString('base64')}` } });
    if (r.status !== 200) throw new Error(`vAPI login failed: ${r.status} ${r.text.slice(0, 200)}`);
    session.rest = (JSON.parse(r.text) as { value: string }).value;
    for (const path of ['dc1', 'dc1/vm/node-a', 'dc1/vm/node-b', 'dc1/host/cluster1', 'dc1/host/cluster1/esxi-1.fauxcloud.local', 'dc1/datastore/datastore1', 'dc1/datastore/vsanDatastore', 'dc1/network/VM Network']) {
      const f = await send(server, { method: 'POST', path: '/sdk', headers: { 'content-type': 'text/xml', cookie }, body: envelope(`<FindByInventoryPath xmlns="urn:vim25"><_this type="SearchIndex">SearchIndex</_this><inventoryPath>${path}</inventoryPath></FindByInventoryPath>`) });
      const m = /<returnval type="(\w+)">([^<]+)<\/returnval>/.exec(f.text);
      if (m) FOUND.push([m[1]!, m[2]!]);
    }
    if (FOUND.length < 6) throw new Error(`the default inventory was not found: ${JSON.stringify(FOUND)}`);
  },
  // CurrentTime is served without a session, so a fired rule is the only 5xx it can give.
  faults: [{ name: 'fuzz-injected', match: { cloud: 'vsphere', operation: 'CurrentTime' }, error: 'SystemError' }],
  journalRefusal: (code) => !SYSTEM_FAULTS.has(code),
  // vim25 answers every fault with HTTP 500: a client-side fault type in the SOAP fault shape is
  // the cloud's refusal; a SystemError/RuntimeFault (what a crash would become) is not.
  protocolFault(req, res) {
    if (!isSoap(req.path) || req.method !== 'POST') return false;
    const t = faultType(res.text);
    return t !== undefined && !SYSTEM_FAULTS.has(t);
  },
  next(rng) {
    const r = rng.next();
    return r < 0.72 ? soap(rng) : r < 0.95 ? rest(rng) : misc(rng);
  },
  shape,
  fixed: [
    {
      why: 'a SOAP body over the limit is 413 with an InvalidRequest fault, answered from Content-Length',
      request: oversized('POST', '/sdk', { 'content-type': 'text/xml; charset="utf-8"', soapaction: 'urn:vim25/8.0.3.0' }),
      check: (res) => {
        expect(res.status).toBe(413);
        expect(faultType(res.text)).toBe('InvalidRequest');
      },
    },
    {
      why: 'PUT on /sdk is 405 (Allow: POST) with an InvalidRequest fault',
      request: { method: 'PUT', path: '/sdk', headers: { 'content-type': 'text/xml' }, body: envelope(LOGIN('x')) },
      check: (res) => {
        expect(res.status).toBe(405);
        expect(res.headers['allow']).toBe('POST');
        expect(faultType(res.text)).toBe('InvalidRequest');
        expect(res.text).toContain('<faultstring>PUT is not supported on /sdk: SOAP requests are POSTed.</faultstring>');
      },
    },
    { why: 'PROPFIND on /pbm is 405 with an InvalidRequest fault in urn:pbm', request: { method: 'PROPFIND', path: '/pbm' }, check: (res) => expect([res.status, res.text]).toEqual([405, expect.stringMatching(/<InvalidRequestFault xmlns="urn:pbm" xsi:type="InvalidRequest">/)]) },
    { why: 'a wrong password is InvalidLogin', request: sdk(LOGIN('nope'), false), check: vimFault('InvalidLogin', 'Cannot complete login due to an incorrect user name or password.') },
    { why: 'a call without a session is NotAuthenticated', request: sdk('<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>Folder</type></propSet><objectSet><obj type="Folder">group-d1</obj></objectSet></specSet><options/></RetrievePropertiesEx>', false), check: vimFault('NotAuthenticated', 'The session is not authenticated.') },
    { why: 'an unknown method is MethodNotFound', request: sdk('<FrobnicateVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-1</_this></FrobnicateVM_Task>'), check: vimFault('MethodNotFound') },
    { why: 'an unknown VM is ManagedObjectNotFound', request: sdk('<PowerOffVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-424242</_this></PowerOffVM_Task>'), check: vimFault('ManagedObjectNotFound', "The object 'vim.VirtualMachine:vm-424242' has already been deleted or has not been completely created") },
    { why: 'malformed XML is InvalidRequest', request: sdk(`${ENV_OPEN}<Login>`), check: vimFault('InvalidRequest') },
    {
      why: 'billion laughs is refused unexpanded',
      request: sdk(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>${envelope(LOGIN('&lol9;'))}`, false),
      check: (res) => {
        expect(res.status).toBe(500);
        expect(res.text).not.toContain('lollol');
        expect(faultType(res.text)).toMatch(/^(InvalidRequest|InvalidLogin)$/);
      },
    },
    {
      why: 'an external entity is never read',
      request: sdk(`<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${envelope(LOGIN('&xxe;').replace('administrator@vsphere.local', '&xxe;'))}`, false),
      check: (res) => {
        expect(res.status).toBe(500);
        expect(res.text).not.toMatch(/root:.*:0:0:/);
        expect(faultType(res.text)).toMatch(/^(InvalidRequest|InvalidLogin)$/);
      },
    },
    {
      why: 'a vAPI call without a session is 401 unauthenticated (/rest)',
      request: { method: 'GET', path: '/rest/com/vmware/cis/tagging/category', headers: {} },
      check: (res) => {
        expect(res.status).toBe(401);
        expect(JSON.parse(res.text)).toMatchObject({ type: 'com.vmware.vapi.std.errors.unauthenticated', value: { messages: [expect.objectContaining({ id: 'com.vmware.vapi.std.errors.unauthenticated' })] } });
      },
    },
    {
      why: 'a vAPI call without a session is 401 UNAUTHENTICATED (/api)',
      request: { method: 'GET', path: '/api/cis/tagging/category', headers: {} },
      check: (res) => {
        expect(res.status).toBe(401);
        expect(JSON.parse(res.text)).toMatchObject({ error_type: 'UNAUTHENTICATED' });
      },
    },
    {
      why: 'an unknown category is 404 not_found',
      request: {
        method: 'GET',
        path: '/rest/com/vmware/cis/tagging/category/id:urn:vmomi:InventoryServiceCategory:00000000-0000-0000-0000-000000000000:GLOBAL',
        get headers() {
          return { 'vmware-api-session-id': session.rest };
        },
      },
      check: (res) => {
        expect(res.status).toBe(404);
        expect(JSON.parse(res.text)).toMatchObject({ type: 'com.vmware.vapi.std.errors.not_found' });
      },
    },
  ],
  redos: [
    {
      // No vSphere call takes a pattern; the caller-supplied text every call goes through is the
      // XML itself, so the reader must stay linear on its worst inputs.
      why: 'XML reader: 60k of unclosed comment/attribute/tag openers vs a 60k password',
      plain: sdk(LOGIN('x'.repeat(60_000)), false),
      hostile: sdk(`${ENV_OPEN}<Login xmlns="urn:vim25">${'<a b="'.repeat(10_000)}`, false),
    },
    {
      why: 'XML reader: 60k of nested-looking start tags vs a 60k password',
      plain: sdk(LOGIN('x'.repeat(60_000)), false),
      hostile: sdk(`${ENV_OPEN}${'<!--<![CDATA[<?'.repeat(4_000)}`, false),
    },
  ],
};
