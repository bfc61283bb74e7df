/**
 * What no SDK sends but a vSphere endpoint must still answer in its own shape: malformed SOAP,
 * unknown methods and objects, missing sessions, bad vAPI input; and the connection settings the
 * endpoints admin call publishes. The flows govmomi runs are proven in test/conformance/vsphere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { vsphereConnection } from '../../clouds/vsphere/index.js';
import { startFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startFauxcloud();
});
afterAll(async () => server.close());

const envelope = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

async function soap(body: string, cookie?: string): Promise<{ status: number; text: string; cookie: string | null }> {
  const res = await fetch(`${server.httpUrl}/sdk`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset="utf-8"', soapaction: 'urn:vim25/8.0.3.0', ...(cookie ? { cookie } : {}) },
    body: body.startsWith('<?xml') || !body.startsWith('<') ? body : envelope(body),
  });
  return { status: res.status, text: await res.text(), cookie: res.headers.get('set-cookie') };
}

async function login(): Promise<string> {
  const r = await soap('<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>administrator@vsphere.local</userName><password>fauxcloud</password></Login>');
  expect(r.status).toBe(200);
  return r.cookie!.split(';')[0]!;
}

function faultType(text: string): string | undefined {
  return /<detail><\w+ xmlns="urn:vim25" xsi:type="(\w+)"/.exec(text)?.[1];
}

describe('vSphere SOAP wire', () => {
  it('serves the service-version files govmomi and the CSI driver fetch first', async () => {
    for (const [file, ns] of [['vimServiceVersions.xml', 'urn:vim25'], ['vsanServiceVersions.xml', 'urn:vsan']]) {
      const res = await fetch(`${server.httpUrl}/sdk/${file}`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain(`<name>${ns}</name>`);
      expect(text).toMatch(/<version>8\.0\.3\.0<\/version>/);
    }
  });

  it('answers malformed XML and non-SOAP bodies with a SOAP fault, HTTP 500', async () => {
    for (const body of ['<soapenv:Envelope><soapenv:Body><Login>', 'not xml at all', '<?xml version="1.0"?><html></html>']) {
      const r = await soap(body);
      expect(r.status).toBe(500);
      expect(r.text).toContain('<faultcode>ServerFaultCode</faultcode>');
      expect(faultType(r.text)).toBe('InvalidRequest');
    }
  });

  it('answers a call without a session NotAuthenticated and a wrong password InvalidLogin', async () => {
    const r = await soap('<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>Folder</type><pathSet>name</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj></objectSet></specSet><options/></RetrievePropertiesEx>');
    expect(r.status).toBe(500);
    expect(faultType(r.text)).toBe('NotAuthenticated');
    const bad = await soap('<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>administrator@vsphere.local</userName><password>nope</password></Login>');
    expect(faultType(bad.text)).toBe('InvalidLogin');
  });

  it('names unknown methods MethodNotFound and unknown objects ManagedObjectNotFound', async () => {
    const cookie = await login();
    const unknown = await soap('<FrobnicateVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-1</_this></FrobnicateVM_Task>', cookie);
    expect(faultType(unknown.text)).toBe('MethodNotFound');
    const missing = await soap('<PowerOffVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-424242</_this></PowerOffVM_Task>', cookie);
    expect(faultType(missing.text)).toBe('ManagedObjectNotFound');
    expect(missing.text).toContain('<obj type="VirtualMachine">vm-424242</obj>');
    const wrongType = await soap('<PowerOffVM_Task xmlns="urn:vim25"><_this type="SearchIndex">SearchIndex</_this></PowerOffVM_Task>', cookie);
    expect(faultType(wrongType.text)).toBe('MethodNotFound');
    const badInt = await soap('<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>Folder</type></propSet><objectSet><obj type="Folder">group-d1</obj></objectSet></specSet><options><maxObjects>many</maxObjects></options></RetrievePropertiesEx>', cookie);
    expect(faultType(badInt.text)).toBe('InvalidRequest');
    const noObj = await soap('<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>Folder</type></propSet><objectSet><skip>false</skip></objectSet></specSet><options/></RetrievePropertiesEx>', cookie);
    expect(faultType(noObj.text)).toBe('InvalidArgument');
    const badPath = await soap('<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>Folder</type><pathSet>childEntity.nope</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj></objectSet></specSet><options/></RetrievePropertiesEx>', cookie);
    expect(faultType(badPath.text)).toBe('InvalidProperty');
  });

  it('gives polymorphic property values their xsi:type', async () => {
    const cookie = await login();
    const r = await soap(
      '<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>Datastore</type><pathSet>info</pathSet><pathSet>summary.capacity</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj><selectSet xsi:type="TraversalSpec"><name>f</name><type>Folder</type><path>childEntity</path><selectSet><name>f</name></selectSet><selectSet><name>d</name></selectSet></selectSet><selectSet xsi:type="TraversalSpec"><name>d</name><type>Datacenter</type><path>datastoreFolder</path><selectSet><name>f</name></selectSet></selectSet></objectSet></specSet><options/></RetrievePropertiesEx>',
      cookie,
    );
    expect(r.status).toBe(200);
    expect(r.text).toContain('<val xsi:type="VsanDatastoreInfo">');
    expect(r.text).toContain('<val xsi:type="VmfsDatastoreInfo">');
    expect(r.text).toMatch(/<name>summary\.capacity<\/name><val xsi:type="xsd:long">\d+<\/val>/);
  });

  it('answers vAPI errors in vAPI shape', async () => {
    const noAuth = await fetch(`${server.httpUrl}/rest/com/vmware/cis/tagging/category`);
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ type: 'com.vmware.vapi.std.errors.unauthenticated' });
    const login = await fetch(`${server.httpUrl}/api/session`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('administrator@vsphere.local:fauxcloud').toString('base64')}` } });
    expect(login.status).toBe(201);
    const sid = (await login.json()) as string;
    const bad = await fetch(`${server.httpUrl}/api/cis/tagging/category`, { method: 'POST', headers: { 'vmware-api-session-id': sid, 'content-type': 'application/json' }, body: '{"create_spec":' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
  });

  it('refuses a seed whose VM names an undeclared host, with the path', async () => {
    const res = await fetch(`${server.httpUrl}/_fauxcloud/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resources: { vsphere: { datacenters: [{ name: 'dc1', vms: [{ name: 'node-z', host: 'esxi-9.fauxcloud.local' }] }] } } }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('datacenters.0.vms.0.host');
  });

  it('publishes GOVC_* and vsphere.conf settings for its HTTPS listener', () => {
    const c = vsphereConnection({ httpUrl: 'http://127.0.0.1:4600', httpsUrl: 'https://127.0.0.1:4643', caPath: '/data/ca.pem' });
    expect(c.env).toMatchObject({ GOVC_URL: 'https://127.0.0.1:4643/sdk', GOVC_USERNAME: 'administrator@vsphere.local', GOVC_TLS_CA_CERTS: '/data/ca.pem' });
    expect(c.config?.['vsphere.conf']).toMatchObject({ 'VirtualCenter "127.0.0.1".port': '4643', 'VirtualCenter "127.0.0.1".ca-file': '/data/ca.pem' });
  });
});
