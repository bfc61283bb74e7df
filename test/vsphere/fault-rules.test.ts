/**
 * A scenario fault rule on a vSphere method fires on the SOAP calls govmomi sends (same envelope,
 * SOAPAction and session cookie), leaves as the SOAP fault the rule names, and is journaled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { admin, startFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startFauxcloud();
});
afterAll(async () => server.close());

const envelope = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

async function soap(body: string, cookie?: string): Promise<{ status: number; text: string; cookie: string | null }> {
  const res = await fetch(`${server.httpUrl}/sdk`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset="utf-8"', soapaction: 'urn:vim25/8.0.3.0', ...(cookie ? { cookie } : {}) },
    body: envelope(body),
  });
  return { status: res.status, text: await res.text(), cookie: res.headers.get('set-cookie') };
}

const CURRENT_TIME = '<CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></CurrentTime>';
const RETRIEVE = '<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>Folder</type><pathSet>name</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj></objectSet></specSet><options/></RetrievePropertiesEx>';

function faultType(text: string): string | undefined {
  return /<detail><\w+ xmlns="urn:vim25" xsi:type="(\w+)"/.exec(text)?.[1];
}

describe('vSphere fault rules', () => {
  it('a rule on CurrentTime and on RetrievePropertiesEx answers the SOAP fault it names, and the journal names the rule', async () => {
    const login = await soap('<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>administrator@vsphere.local</userName><password>fauxcloud</password></Login>');
    expect(login.status).toBe(200);
    const cookie = login.cookie!.split(';')[0]!;
    const rules = [
      { name: 'clock-down', match: { cloud: 'vsphere', operation: 'CurrentTime', times: 1 }, error: 'SystemError' },
      { name: 'pc-busy', match: { cloud: 'vsphere', operation: 'RetrievePropertiesEx' }, error: 'SystemError' },
    ];
    expect((await admin(server).put('/faults', rules)).status).toBe(200);
    // The first CurrentTime fails (times: 1), the second one is served again.
    const t = await soap(CURRENT_TIME, cookie);
    expect(t.status).toBe(500);
    expect(faultType(t.text)).toBe('SystemError');
    expect((await soap(CURRENT_TIME, cookie)).status).toBe(200);
    const r = await soap(RETRIEVE, cookie);
    expect(r.status).toBe(500);
    expect(faultType(r.text)).toBe('SystemError');
    const { entries } = (await admin(server).get<{ entries: Array<{ operation: string; status: number; rule?: string; errorCode?: string }> }>('/journal?limit=4')).body;
    expect(entries.map((e) => [e.operation, e.status, e.rule ?? null])).toEqual([
      ['Login', 200, null],
      ['CurrentTime', 500, 'clock-down'],
      ['CurrentTime', 200, null],
      ['RetrievePropertiesEx', 500, 'pc-busy'],
    ]);
    expect((await admin(server).put('/faults', [])).status).toBe(200);
    expect((await soap(RETRIEVE, cookie)).status).toBe(200);
  });
});
